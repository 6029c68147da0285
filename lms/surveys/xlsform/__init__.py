"""XLSForm in and out, so that field teams can collect offline with ODK Collect or KoboToolbox.

Import (``importing``): pyxform reads the form (.xlsx or .xls) and checks it (``reading``); its reading becomes a
survey's groups, questions and logic (``mapping``), or the form is refused with every problem at its sheet, row
and column. Export (``export``): the published version (else the draft), every language in
``label::Language (code)`` columns, groups and logic included, which pyxform converts and ODK Validate accepts.
"""
from lms.surveys.xlsform.export import export_xlsform
from lms.surveys.xlsform.importing import import_xlsform
from lms.surveys.xlsform.problems import XLSFormError
from lms.surveys.xlsform.reading import MAX_ROWS

__all__ = ["MAX_ROWS", "XLSFormError", "export_xlsform", "import_xlsform"]
