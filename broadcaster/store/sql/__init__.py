"""The store's SQL, written once for both engines.

Every statement and every read of the store lives here, with ``?`` placeholders, in one
module per concept (``directory``, ``content``, ``dispatch``, ``inbox``, ``web``, ``channels``,
``holds``, ``audit``), as a mixin written against the small interface of :mod:`.base`:

- ``self._tx()`` — one transaction, yielding a :class:`~.base.Tx` (``fetch``, ``execute``,
  ``executemany``, ``copy``, ``savepoint``, and the engine's ``duplicate`` / ``foreign_key``
  exception types);
- ``self._fetch(sql, params)`` — one statement on its own (a read, or a single write with
  ``RETURNING``), rows as tuples;
- ``self._append_audit(db, record)`` — the audit append inside the caller's transaction;
- ``self._notify(db, what)`` — "work was created" (PostgreSQL NOTIFYs; SQLite has one process);
- ``self.dialect`` — the few spellings that differ (:class:`~.base.Dialect`: index hints, the
  byte-order collation, ``GREATEST``, row locks, JSON aggregation).

The engine packages (:mod:`broadcaster.store.sqlite`, :mod:`broadcaster.store.postgres`) keep
only what really differs: connections and transactions, migrations, retries, LISTEN/NOTIFY,
``SKIP LOCKED`` claims and the batched writes each engine does its own fastest way
(``writes.py`` in each).

**Where new SQL goes:** a new store method is declared in the contract interface of the role
that calls it (:mod:`broadcaster.store.contract`) and written once, here — in the module of its
concept, or in a new ``sql/<concept>.py`` mixin (a subclass of :class:`~.base.SqlBase`) added to
:class:`~.store.SqlStore` in :mod:`.store`, which both engines' stores inherit — using ``?``
placeholders and, where a spelling differs, a :class:`~.base.Dialect` field. Only a method
whose *algorithm* differs per engine (a lock-free claim, a bulk path) goes in the engines'
``writes.py``, with the same signature in both. Row → record conversion goes in :mod:`.rows`.
New tables: a migration file under each engine's ``migrations/``, with the same number.
"""
