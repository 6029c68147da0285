"""What the application imports is pinned in requirements.txt, not left to arrive through another package."""
from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions

from tests.helpers import ROOT


def _name(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _pinned() -> set[str]:
    lines = (line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines())
    return {_name(re.split(r"[\[=<>~!]", line)[0]) for line in lines if line}


def _imported_modules() -> set[str]:
    modules = set()
    for path in [ROOT / "wsgi.py", *(ROOT / "lms").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"lms"}


def test_every_package_the_application_imports_is_pinned():
    distributions = packages_distributions()
    pinned = _pinned()
    missing = {module for module in _imported_modules()
               if not {_name(d) for d in distributions.get(module, [])} & pinned}
    assert missing == set()


def test_uploaded_workbooks_are_read_with_defusedxml():
    """openpyxl refuses external entities and entity bombs only when defusedxml is there."""
    from openpyxl import xml

    assert "defusedxml" in _pinned()
    assert xml.DEFUSEDXML
