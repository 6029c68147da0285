"""What is wrong with a form, and where: file, sheet, row and column, in the reader's language."""
from __future__ import annotations

from flask_babel import gettext as _


class XLSFormError(ValueError):
    """The form cannot be imported; each problem names sheet, row and column where there is one."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def where(sheet: str, row: int | None = None, column: str | None = None) -> str:
    if row is not None and column:
        return _("sheet %(sheet)s, row %(row)d, column %(column)s", sheet=sheet, row=row, column=column)
    if row is not None:
        return _("sheet %(sheet)s, row %(row)d", sheet=sheet, row=row)
    return _("sheet %(sheet)s", sheet=sheet)


def problem(filename: str, place: str, reason: str) -> str:
    return _("%(file)s, %(place)s: %(reason)s", file=filename, place=place, reason=reason)


def fail(filename: str, place: str, reason: str) -> XLSFormError:
    return XLSFormError(problem(filename, place, reason))
