"""Issue 12, points 2 and 3: lifecycle checks in one place, one progress reader, short core
functions, one wake-up path. Read from the source with ``ast``, so a second copy written later
fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import broadcaster

ROOT = Path(broadcaster.__file__).parent
MAX_LINES = 60
#: functions still over the bound, each with the reason; the list may only shrink
KNOWN_LONG: dict[str, str] = {}


def _files(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = ROOT / part
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def _functions(path: Path) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    out: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                out.append((prefix + child.name, child))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text("utf-8")), "")
    return out


def _where(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_core_function_is_longer_than_60_lines() -> None:
    long: dict[str, int] = {}
    for path in _files("engine", "store", "announcements.py"):
        for name, node in _functions(path):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_LINES:
                long[f"{_where(path)}:{name}"] = lines
    assert set(long) <= set(KNOWN_LONG), f"split these (over {MAX_LINES} lines): {long}"


def test_the_length_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_LINES))
    path = tmp_path / "long.py"
    path.write_text(f"class A:\n    async def f(self):\n{body}\n        return 1\n")
    [(name, node)] = _functions(path)
    assert name == "A.f" and (node.end_lineno or 0) - node.lineno + 1 > MAX_LINES


def _calls(path: Path, name: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def _hash_comparisons(path: Path) -> list[int]:
    """Lines comparing a freshly computed ``content_hash(...)`` with an approved hash."""
    out: list[int] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        names = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
        hashes = [
            n
            for n in ast.walk(node)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id == "content_hash"
        ]
        if hashes and "approved_hash" in names:
            out.append(node.lineno)
    return out


def _attributes(path: Path, name: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == name
    ]


LIFECYCLE = ("announcements.py", "dispatching.py", "engine")


def test_content_hash_and_expiry_are_checked_only_in_sendable() -> None:
    found: dict[str, list[int]] = {}
    for path in _files(*LIFECYCLE):
        if lines := _hash_comparisons(path):
            found[f"{_where(path)} compares content_hash with approved_hash"] = lines
        if lines := _attributes(path, "expires_at"):
            found[f"{_where(path)} reads expires_at"] = lines
    assert not found, f"use broadcaster.sendable.check_sendable instead: {found}"
    # and the one place does both checks
    sendable = ROOT / "sendable.py"
    assert _hash_comparisons(sendable) and _attributes(sendable, "expires_at")


def test_start_dispatch_is_implemented_once() -> None:
    bodies: dict[str, int] = {}
    for path in ROOT.rglob("*.py"):
        for name, node in _functions(path):
            if name.split(".")[-1] == "start_dispatch":
                statements = [s for s in node.body if not isinstance(s, ast.Expr)]  # docstring
                bodies[f"{_where(path)}:{name}"] = len(statements)
    implementations = {k: v for k, v in bodies.items() if v > 1}
    assert list(implementations) == ["dispatching.py:start_dispatch"], bodies


def test_cli_and_web_read_progress_through_one_reader() -> None:
    readers: dict[str, list[int]] = {}
    for path in _files("cli", "web"):
        for what in ("dispatch_progress", "progress_breakdown", "progress_by_prefix"):
            if lines := _calls(path, what):
                readers[f"{_where(path)} calls store.{what}"] = lines
    assert not readers, f"use broadcaster.progress.read_progress: {readers}"
    for face in ("cli/announcements.py", "web/views.py"):
        assert _calls(ROOT / face, "read_progress"), face
