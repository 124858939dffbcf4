"""``broadcaster run --debug-sql`` on PostgreSQL: asyncpg logs no statements of its own, so the
store logs each one (text and time, never the arguments) when SQL debugging is on, and nothing
when it is off."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from broadcaster.cli.logs import NOISY_LOGGERS, SQL_LOGGERS, configure_logging
from broadcaster.errors import NotFound
from tests.pg.conftest import OpenStore


@pytest.fixture
def restore_levels() -> Iterator[None]:
    """configure_logging sets levels on process-wide loggers: put them back afterwards."""
    names = (*SQL_LOGGERS, *NOISY_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def statements(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "asyncpg"]


@pytest.mark.usefixtures("restore_levels")
async def test_debug_sql_logs_each_statement_without_its_arguments(
    open_pg: OpenStore, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(verbose=False, debug_sql=True)
    caplog.set_level(logging.DEBUG, logger="asyncpg")
    store = await open_pg()
    caplog.clear()
    with pytest.raises(NotFound):
        await store.get_user("nama-rahasia-7")
    logged = statements(caplog)
    assert any("FROM users" in line and line.endswith("ms)") for line in logged), logged
    assert not any("nama-rahasia-7" in line for line in logged)


@pytest.mark.usefixtures("restore_levels")
async def test_without_debug_sql_no_statement_is_logged(
    open_pg: OpenStore, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(verbose=True, debug_sql=False)
    caplog.set_level(logging.DEBUG)  # everything else at DEBUG: still no statements
    store = await open_pg()
    await store.list_users()
    assert statements(caplog) == []
