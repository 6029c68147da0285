"""The suite's own layout: fixtures come from conftest through pytest, helpers from the helpers modules."""
from __future__ import annotations

import ast

from tests.helpers import ROOT


def imported_modules(path, root=ROOT) -> set[str]:
    """Every module the file imports, relative imports resolved (``from .test_jobs import x`` in tests/surveys/
    is tests.surveys.test_jobs), and each name imported from a package as a module of it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = list(path.relative_to(root).parent.parts)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # a module imported from its package
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_test_imports_from_a_conftest():
    offenders = [f"{path.relative_to(ROOT)} imports {module}"
                 for folder in ("tests", "bench") for path in sorted((ROOT / folder).rglob("*.py"))
                 for module in imported_modules(path) if module.split(".")[-1] == "conftest"]
    assert offenders == []


def test_no_module_imports_from_a_test_module():
    """What tests share lives in a helpers module (or, for a fixture, a conftest), never in a test module: a test
    module is free to change its own functions and constants, and nothing reuses one by importing it."""
    offenders = [f"{path.relative_to(ROOT)} imports {module}"
                 for folder in ("tests", "bench") for path in sorted((ROOT / folder).rglob("*.py"))
                 for module in imported_modules(path)
                 if module.split(".")[0] == "tests" and module.split(".")[-1].startswith("test_")]
    assert offenders == []


def test_sign_in_is_written_once_per_kind():
    """One for the test client (tests/helpers.py), one for Chromium (tests/e2e/helpers.py)."""
    defined = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "tests").rglob("*.py"))
               for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.FunctionDef) and node.name == "sign_in"]
    assert defined == ["tests/e2e/helpers.py", "tests/helpers.py"]


def test_relative_imports_are_seen_too(tmp_path):
    probe = tmp_path / "tests" / "surveys" / "test_probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from .test_jobs import due_member\nfrom .. import conftest\n")
    assert {"tests.surveys.test_jobs", "tests.conftest"} <= imported_modules(probe, root=tmp_path)
