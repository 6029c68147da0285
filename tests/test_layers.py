"""The arrows between feature packages point one way (lms/__init__.py ``FEATURES``, lowest first).

Every import in lms/ counts, wherever it stands: at the top of a module, inside a function, or under
``if TYPE_CHECKING``. A feature reacts to a feature above it through lms/signals.py instead.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import lms
from lms import FEATURES, SHARED_MODULES, SHARED_PACKAGES, WIRING_PACKAGES

LMS = Path(lms.__file__).parent

#: Where a module stands: a feature's name, or one of these.
SHARED, WIRING = "shared", "wiring"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def exists(module: str, root: Path) -> bool:
    relative = Path(*module.split(".")[1:]) if "." in module else Path()
    return (root / relative).is_dir() or (root / relative).with_suffix(".py").is_file()


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every ``lms`` module that the file imports, with the line."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # ``from lms import signals`` imports lms.signals
                candidate = f"{module}.{alias.name}"
                found.append((node.lineno, candidate if exists(candidate, root) else module))
    return [(line, module) for line, module in found if module == "lms" or module.startswith("lms.")]


def area(module: str) -> str:
    """A feature's name, SHARED (below every feature) or WIRING (above them all: the factory, demo, jobs)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in WIRING_PACKAGES:
        return WIRING
    return parts[1] if parts[1] in FEATURES else SHARED


def imports_between_areas(root: Path = LMS) -> dict[tuple[str, str], list[str]]:
    """(importing area, imported area): where, as "path:line module"."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        source = area(module_name(path, root))
        for line, module in imported_modules(path, root):
            target = area(module)
            if target != source:
                edges[source, target].append(f"{path.relative_to(root.parent)}:{line} {module}")
    return edges


def cycles(edges) -> list[list[str]]:
    """The cycles between features: each strongly connected group of more than one (Tarjan)."""
    graph = defaultdict(set)
    for source, target in edges:
        if source in FEATURES and target in FEATURES:
            graph[source].add(target)
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for after in sorted(graph[node]):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in on_stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group, key=FEATURES.index))

    for node in FEATURES:
        if node not in index:
            visit(node)
    return groups


def upward(edges) -> list[str]:
    """Every import that goes up: to a later feature, from below the features to one, or to the wiring."""
    rank = {SHARED: -1, **{feature: i for i, feature in enumerate(FEATURES)}, WIRING: len(FEATURES)}
    return [f"{source} -> {target}: {where}" for (source, target), places in sorted(edges.items())
            if rank[target] > rank[source] for where in places]


def test_every_package_of_lms_has_its_place():
    packages = {path.name for path in LMS.iterdir() if path.is_dir() and any(path.rglob("*.py"))}
    declared = set(FEATURES) | set(SHARED_PACKAGES) | set(WIRING_PACKAGES)
    assert packages - declared == set(), "place the new package in lms/__init__.py (FEATURES, ...)"
    assert declared - packages == set()
    assert len(declared) == len(FEATURES) + len(SHARED_PACKAGES) + len(WIRING_PACKAGES)


def test_the_root_of_lms_holds_the_declared_modules_only():
    """The factory and a few modules every feature shares; anything else belongs in a package."""
    modules = {path.stem for path in LMS.glob("*.py")} - {"__init__"}
    assert modules == set(SHARED_MODULES), "a module at the root of lms/ is declared in SHARED_MODULES, or moves"


def test_no_import_cycle_between_features():
    assert cycles(imports_between_areas()) == []


def test_every_import_goes_down_the_declared_order():
    assert upward(imports_between_areas()) == []


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path):
    root = tmp_path / "lms"
    for folder in ("auth", "surveys", "core"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "signals.py").write_text("")
    (root / "auth" / "views.py").write_text("from lms import signals\n\ndef late():\n    from lms.surveys import x\n")
    (root / "surveys" / "x.py").write_text("from ..auth import views\n")
    (root / "core" / "y.py").write_text("import lms.auth.views\n")
    edges = imports_between_areas(root)
    assert set(edges) == {("auth", "shared"), ("auth", "surveys"), ("surveys", "auth"), ("shared", "auth")}
    assert cycles(edges) == [["auth", "surveys"]]
    assert [line.split(":")[0] for line in upward(edges)] == ["auth -> surveys", "shared -> auth"]
