"""The code's layout holds what issue 12 set out: the store's SQL written once, records a
reader can trust, one error tree, engine parts inside ``broadcaster/engine``."""

from __future__ import annotations

import ast
import builtins
import dataclasses
import re
from pathlib import Path

import pytest

import broadcaster
from broadcaster.store import records
from broadcaster.store.contract import deadletters, inbox, web
from broadcaster.store.records import ClaimedDelivery, Outcome

ROOT = Path(broadcaster.__file__).parent
STORE = ROOT / "store"
_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


def _sql_literals(package: Path) -> dict[str, str]:
    """Every SQL statement written as a string literal in the package: text → where."""
    found: dict[str, str] = {}
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = " ".join(node.value.split())
                if _SQL.match(text) and len(text) > 30:
                    found.setdefault(text, f"{path.name}:{node.lineno}")
    return found


def test_no_sql_statement_is_written_in_both_engines() -> None:
    sqlite, postgres = _sql_literals(STORE / "sqlite"), _sql_literals(STORE / "postgres")
    both = {text: (sqlite[text], postgres[text]) for text in sqlite.keys() & postgres.keys()}
    assert not both, f"write these once in broadcaster/store/sql/: {both}"


def test_the_engines_do_not_import_each_other() -> None:
    for engine, other in (("sqlite", "postgres"), ("postgres", "sqlite")):
        for path in (STORE / engine).glob("*.py"):
            source = path.read_text("utf-8")
            assert f"..{other}" not in source, f"{path} imports the {other} store"


@pytest.mark.parametrize(
    "cls",
    [
        obj
        for module in (records, web, inbox, deadletters)
        for obj in vars(module).values()
        if isinstance(obj, type)
        and dataclasses.is_dataclass(obj)
        and obj.__module__ == module.__name__
    ],
    ids=lambda cls: cls.__name__,
)
def test_records_are_keyword_only(cls: type) -> None:
    fields = dataclasses.fields(cls)
    assert fields and all(f.kw_only for f in fields), f"{cls.__name__} takes positional fields"


def test_provider_ids_are_tuples() -> None:
    outcome = Outcome(id=1, status=records.DeliveryStatus.sent, attempts=1, parts_done=2)
    assert outcome.provider_ids == ()
    assert ClaimedDelivery._field_defaults["provider_ids"] == ()


def _exception_bases() -> set[str]:
    return {
        name
        for name, obj in vars(builtins).items()
        if isinstance(obj, type) and issubclass(obj, BaseException)
    }


def test_every_error_is_in_the_one_tree() -> None:
    """Errors of the core and the adapters derive from broadcaster.errors (the provider
    emulators under adapters/sandbox raise the providers' own errors, and content/ and
    schedules/ import nothing of ours)."""
    builtin = _exception_bases()
    outside = []
    for base in (ROOT, ROOT.parent / "adapters"):
        for path in base.rglob("*.py"):
            if "sandbox" in path.parts or path == ROOT / "errors.py":
                continue
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and b.id in builtin for b in node.bases
                ):
                    outside.append(f"{path.relative_to(ROOT.parent)}: {node.name}")
    assert not outside, f"derive these from broadcaster.errors: {outside}"


def test_engine_parts_live_in_the_engine_package() -> None:
    for name in ("ratelimit.py", "scheduling.py"):
        assert not (ROOT / name).exists()
        assert (ROOT / "engine" / name).exists()
