"""The ``broadcaster`` command as an operator meets it, through its real entry point
(:func:`broadcaster.cli.main.main`): long listings say what they left out, tables never cut the
ids an operator copies, every bad input is one line and exit 1, and help prints square brackets
as written."""

from __future__ import annotations

import asyncio
import csv
import functools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import pytest
import typer

from broadcaster.app import App
from broadcaster.cli.entry import run_cli
from broadcaster.cli.main import app as typer_app
from broadcaster.cli.main import main
from broadcaster.config import load_settings
from broadcaster.store.records import GroupStatus

CONFIG = """
[service]
data_dir = "var"
[http]
enabled = false
[schedule]
quiet_hours = "off"
[accounts.outbox]
adapter = "file"
path = "outbox.jsonl"
[accounts.gw]
adapter = "waha"
sandbox = true
"""


class Cli:
    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.config = folder / "config.toml"
        self.capsys = capsys

    def __call__(self, *args: str, config: bool = True) -> tuple[int, str, str]:
        """Run the command in this process as :func:`main` does, but with the command tree
        built once (building it takes Typer 0.2 s); (exit status, stdout, stderr)."""
        self.capsys.readouterr()
        code = run_cli(_tree(), [*args, *(["--config", str(self.config)] if config else [])])
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, err
        return out


def _real_regions(wilayah: Path, target: Path) -> tuple[str, list[str]]:
    """Kota Serang (3673) from the shared Kemendagri files, written to ``target``: (the
    regency code, its village codes)."""
    target.mkdir()
    keep = {"provinces.csv": "36", "regencies.csv": "3673"}
    for name, code in keep.items():
        rows = [r for r in csv.reader((wilayah / name).open()) if r[0] == code]
        (target / name).write_text("".join(",".join(r) + "\n" for r in rows))
    districts = [r for r in csv.reader((wilayah / "districts.csv").open()) if r[1] == "3673"]
    (target / "districts.csv").write_text("".join(",".join(r) + "\n" for r in districts))
    codes = {r[0] for r in districts}
    villages = [r for r in csv.reader((wilayah / "villages.csv").open()) if r[1] in codes]
    (target / "villages.csv").write_text("".join(",".join(r) + "\n" for r in villages))
    return "3673", [r[0] for r in villages]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], wilayah_dir: Path) -> Iterator[Cli]:
    (tmp_path / "config.toml").write_text(CONFIG)
    runner = Cli(tmp_path, capsys)
    runner.ok("users", "add", "admin", "--role", "admin")
    _, villages = _real_regions(wilayah_dir, tmp_path / "wilayah")
    runner.ok("regions", "import", str(tmp_path / "wilayah"), "--as", "admin")
    runner.villages = villages  # type: ignore[attr-defined]
    yield runner


def _add_groups(cli: Cli, count: int) -> list[str]:
    """``count`` active groups on the WAHA account, with real ``…@g.us`` ids."""
    villages: list[str] = cli.villages  # type: ignore[attr-defined]
    addresses = [f"1203630{i:011d}@g.us" for i in range(count)]

    async def go() -> None:
        async with App(load_settings(cli.config)) as a:
            for i, address in enumerate(addresses):
                await a.directory.add_group(
                    "admin",
                    "gw",
                    address,
                    villages[i % len(villages)],
                    "rt",
                    f"Warga RT {i:03d} [grup WA]",
                    "id",
                    GroupStatus.active,
                )

    asyncio.run(go())
    return addresses


# -- issue 10, point 14: groups list --limit / --all; tables never cut addresses ------------------


def test_groups_list_says_how_many_rows_were_left_out(cli: Cli) -> None:
    addresses = _add_groups(cli, 105)
    listed = json.loads(cli.ok("groups", "list", "--json"))
    assert (listed["total"], listed["shown"], listed["left_out"]) == (105, 100, 5)
    assert len(listed["groups"]) == 100
    few = json.loads(cli.ok("groups", "list", "--limit", "7", "--json"))
    assert (few["shown"], few["left_out"], len(few["groups"])) == (7, 98, 7)
    every = json.loads(cli.ok("groups", "list", "--all", "--json"))
    assert (every["shown"], every["left_out"], every["limit"]) == (105, 0, None)
    assert sorted(g["address"] for g in every["groups"]) == sorted(addresses)
    table = cli.ok("groups", "list", "--limit", "7")
    assert "7 of 105 groups" in table
    assert "98 more groups not shown" in table and "--all" in table
    assert "not shown" not in cli.ok("groups", "list", "--all")
    code, _, err = cli("groups", "list", "--limit", "0")
    assert code == 1 and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("columns", ["60", "100"])
def test_group_tables_print_whole_addresses_in_narrow_terminals(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    addresses = _add_groups(cli, 3)
    monkeypatch.setenv("COLUMNS", columns)
    table = cli.ok("groups", "list")
    for address in addresses:
        assert address in table, table
    if columns == "100":
        assert "[grup" in table  # a title is printed as written, not read as markup
    found = json.loads(cli.ok("groups", "discover", "--account", "gw", "--as", "admin", "--json"))
    assert found and all(r["address"].endswith("@g.us") for r in found)
    # the sandbox number's sample groups get fresh ids each start: compare their shape
    shape = re.compile(r"\b\d{18}@g\.us\b")
    assert {len(r["address"]) for r in found} == {len("120363000000000000@g.us")}
    table = cli.ok("groups", "discover", "--account", "gw", "--as", "admin")
    assert len(shape.findall(table)) == len(found), table


# -- issue 10, point 18: every bad input on every command is one line and exit 1 ------------------


@functools.cache
def _tree() -> Any:
    return typer.main.get_command(typer_app)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    # through list_commands/get_command, as click resolves a command line: the root's groups
    # are imported on first use (broadcaster.cli.lazy), so they are not in its .commands yet
    if hasattr(command, "list_commands"):  # a group (Typer vendors its own click)
        ctx = command.context_class(command)
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _commands(sub, (*path, name))
    else:
        yield path, command


def _leaf_commands() -> list[tuple[tuple[str, ...], Any]]:
    return list(_commands(_tree()))


#: a value no typed parameter accepts (not a number, a choice, a date or a boolean)
BAD_VALUE = "bukan-nilai-[x]"


def _refuses_text(param: Any) -> bool:
    """The parameter is typed (a number, a date or a choice): it refuses :data:`BAD_VALUE`."""
    annotation = param.type_descriptor.annotation
    if get_origin(annotation) in (list, Union, UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if annotation in (int, float, datetime):
        return True
    return isinstance(annotation, type) and issubclass(annotation, Enum)


def _bad_inputs() -> list[list[str]]:
    """For every command: an unknown option; every typed parameter given a value it refuses;
    every required parameter left out."""
    cases: list[list[str]] = []
    for path, command in _leaf_commands():
        cases.append([*path, "--no-such-option"])
        if any(p.required for p in command.params):
            cases.append(list(path))
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        if arguments and _refuses_text(arguments[0]):
            cases.append([*path, BAD_VALUE])
        for param in command.params:
            if param.param_type_name == "option" and not param.is_flag and _refuses_text(param):
                cases.append([*path, param.opts[0], BAD_VALUE])
    return cases


def _assert_one_line_error(result: tuple[int, str, str], args: list[str]) -> None:
    code, out, err = result
    lines = err.strip().splitlines()
    assert code == 1, (args, code, out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), (args, err)
    assert "Traceback" not in err and out.strip() == "", (args, out)


def test_every_command_answers_bad_input_with_one_line(cli: Cli) -> None:
    cases = _bad_inputs()
    leaves = {path for path, _ in _leaf_commands()}
    assert len(leaves) > 40  # the core's commands and the sandbox plugin's, each walked
    assert len(cases) > 100
    for args in cases:
        _assert_one_line_error(cli(*args), args)


ANNOUNCEMENT = """---
title: Pemadaman listrik terjadwal
target:
  regions: ["3673"]
---
Akan ada pemadaman listrik pada hari Minggu.
"""


def test_bad_files_and_refused_values_are_one_line(cli: Cli) -> None:
    folder = cli.folder
    (folder / "ok.md").write_text(ANNOUNCEMENT)
    (folder / "bad-key.md").write_text(ANNOUNCEMENT.replace("target:", "tagret: 1\ntarget:"))
    (folder / "bad-yaml.md").write_text(ANNOUNCEMENT.replace('["3673"]', '["3673"'))
    (folder / "latin1.md").write_bytes(
        ANNOUNCEMENT.replace("listrik", "listrik é").encode("cp1252")
    )
    (folder / "no-front-matter.md").write_text("Tanpa judul\n")
    created = json.loads(
        cli.ok("announcements", "create", "-f", str(folder / "ok.md"), "--as", "admin", "--json")
    )
    number = str(created["id"])
    files = ["bad-key.md", "bad-yaml.md", "latin1.md", "no-front-matter.md", "missing.md"]
    cases: list[list[str]] = []
    for name in files:
        path = str(folder / name)
        cases.append(["announcements", "create", "-f", path, "--as", "admin"])
        cases.append(["announcements", "edit", number, "-f", path, "--as", "admin"])
    cases += [
        ["announcements", "create", "-f", str(folder), "--as", "admin"],  # a directory
        ["announcements", "create", "--title", "x", "--as", "admin"],
        ["announcements", "show", "999999"],
        ["announcements", "approve", number, "--as", "admin"],  # the author, not submitted
        ["announcements", "schedule", number, "--when", "kemarin", "--as", "admin"],
        ["announcements", "edit", number, "-f", str(folder / "ok.md"), "--as", "hantu"],
        ["dispatches", "status", "999999"],
        [
            "groups",
            "add",
            "--account",
            "gw",
            "--address",
            "bukan grup",
            "--region",
            "3673",
            "--as",
            "admin",
        ],
        [
            "groups",
            "add",
            "--account",
            "nope",
            "--address",
            "x",
            "--region",
            "3673",
            "--as",
            "admin",
        ],
        ["groups", "approve", "999999", "--as", "admin"],
        ["groups", "move", "999999", "--region", "3673", "--as", "admin"],
        ["groups", "discover", "--account", "outbox", "--as", "admin"],
        ["regions", "import", str(folder / "missing"), "--as", "admin"],
        [
            "regions",
            "import",
            str(folder / "wilayah"),
            "--units",
            str(folder / "missing.csv"),
            "--as",
            "admin",
        ],
        ["users", "update", "hantu", "--role", "admin", "--as", "admin"],
        ["results", "999999"],
        ["web", "token-revoke", "999999", "--as", "admin"],
        ["run", "--role", "juggler"],
        ["audit", "list", "--as", "hantu"],
    ]
    for args in cases:
        _assert_one_line_error(cli(*args), args)
    code, _, err = cli("users", "list", "--config", str(folder / "missing.toml"), config=False)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    (folder / "broken.toml").write_text("[service\n")
    code, _, err = cli("users", "list", "--config", str(folder / "broken.toml"), config=False)
    assert code == 1 and len(err.strip().splitlines()) == 1, err


# -- issue 10, point 20: help prints square brackets as written ----------------------------

_BOX = re.compile(r"[│╭╮╰╯─┃┏┓┗┛━]")


def _flat(text: str) -> str:
    return " ".join(_BOX.sub(" ", text).split())


def test_help_of_every_command_prints_square_brackets(cli: Cli) -> None:
    checked = 0
    for path, command in _leaf_commands():
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        bracketed = [t for t in texts if re.search(r"\[[^\]]+\]", t)]
        code, out, err = cli(*path, "--help", config=False)
        assert code == 0, (path, err)
        flat = _flat(out)
        for text in bracketed:
            for token in re.findall(r"\[[^\]]+\]", text):
                assert _flat(token) in flat, (path, token, out)
                checked += 1
    assert checked >= 3  # run --role "default [service] roles", schedule --when, groups add
    _, out, _ = cli("run", "--help", config=False)
    assert "default [service] roles" in _flat(out)


def test_the_installed_command_prints_one_line(cli: Cli) -> None:
    """The real process and the real entry point, not only the command tree."""
    bad = cli.folder / "bad.md"
    bad.write_text(ANNOUNCEMENT.replace("target:", "tagret: 1\ntarget:"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "broadcaster.cli.main",
            "announcements",
            "create",
            "-f",
            str(bad),
            "--as",
            "admin",
            "--config",
            str(cli.config),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "unknown front-matter key 'tagret'" in done.stderr
    cli.capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["groups", "list", "--limit", "nol", "--config", str(cli.config)])
    err = cli.capsys.readouterr().err
    assert exited.value.code == 1 and len(err.strip().splitlines()) == 1, err


def test_submit_names_each_markup_problem_once_with_its_line(cli: Cli) -> None:
    body = "\n\n".join(f"Paragraf {i}: warga <tetap> di rumah." for i in range(60))
    (cli.folder / "tetap.md").write_text(ANNOUNCEMENT.split("---\nAkan")[0] + "---\n" + body)
    created = json.loads(
        cli.ok(
            "announcements", "create", "-f", str(cli.folder / "tetap.md"), "--as", "admin", "--json"
        )
    )
    code, _, err = cli("announcements", "submit", str(created["id"]), "--as", "admin")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert err.count("HTML <tetap> is not supported") == 1, err
    assert "Line 1:" in err and "and 54 more" in err
