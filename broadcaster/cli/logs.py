"""Logging of ``broadcaster run``: ``-v`` for the service's own detail, ``--debug-sql`` for the
store's statements (on their own they drown everything else: about 17 KB a second when idle)."""

from __future__ import annotations

import logging

#: one line per HTTP request or job run drowns the service's own log (shown with -v)
NOISY_LOGGERS = ("httpx", "apscheduler", "aiogram.event")
#: the store drivers' per-statement DEBUG lines (aiosqlite logs each call with its SQL)
SQL_LOGGERS = ("aiosqlite", "asyncpg")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(verbose: bool, debug_sql: bool) -> None:
    """INFO, or DEBUG with ``verbose``; SQL statements only with ``debug_sql``."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=FORMAT)
    if not verbose:
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    for name in SQL_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug_sql else logging.INFO)
