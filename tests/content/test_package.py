"""Package-level rules: content depends on nothing else of ours, and its API is complete."""

from __future__ import annotations

import ast
from pathlib import Path

import content

PACKAGE = Path(content.__file__).parent
OURS = ("broadcaster", "adapters", "schedules", "bench", "tests")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_content_imports_nothing_else_of_ours() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 10
    for path in sources:
        for module in imported_modules(path):
            assert module.split(".")[0] not in OURS, f"{path.name} imports {module}"


def test_public_names_resolve_and_package_is_typed() -> None:
    for name in content.__all__:
        assert getattr(content, name) is not None, name
    assert (PACKAGE / "py.typed").is_file()


def test_problem_is_one_class_everywhere() -> None:
    from content.markup import Problem as MarkupProblem
    from content.validation import Problem as ValidationProblem

    assert MarkupProblem is ValidationProblem is content.Problem
