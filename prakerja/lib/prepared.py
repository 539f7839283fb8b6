"""Server-side prepared statements for the statements on the deadline surge's hot path (the join).

PostgreSQL plans every statement psycopg2 sends; the join's locking read executes in about 0.1 ms but plans in
about 0.8 ms (docs/PERFORMANCE.md, "Deadline surge"). `execute` prepares a statement once per database connection
(`PREPARE`, named by a digest of its text, so a changed statement gets a new name) and runs it with `EXECUTE`:
PostgreSQL then reuses the plan (a generic one after five runs when it costs no more than the custom plans).

Off (plain `cursor.execute`) on every other database and where `settings.PREPARED_STATEMENTS` is False: a pooler in
transaction mode (pgbouncer before 1.21) hands a session's statements to other server connections, where the
prepared name does not exist. A prepared statement outlives a rolled-back transaction (PREPARE is not
transactional), and a new connection starts with none (`connection_created` below).
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_ATTRIBUTE = "prakerja_prepared"  # on the DatabaseWrapper: the names prepared on its current connection


def execute(cursor, sql: str, params: Sequence = ()) -> None:
    """Run `sql` (placeholders `%s`, no other `%`) with `params` on `cursor` (a Django cursor: `cursor.db` is its
    connection).

    On PostgreSQL with PREPARED_STATEMENTS on: `PREPARE` once per connection, then `EXECUTE`; the parameters' types
    are those PostgreSQL infers from the statement. Raises what `cursor.execute` raises; ValueError when `sql`
    holds a `%` that is not a placeholder.
    """
    db = cursor.db
    if db.vendor != "postgresql" or not settings.PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    pieces = sql.split("%s")
    if "%" in "".join(pieces):
        raise ValueError("a prepared statement takes %s placeholders and no other %")
    if len(pieces) - 1 != len(params):
        raise ValueError(f"{len(pieces) - 1} placeholders, {len(params)} parameters")
    name = "p_" + hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()
    prepared = db.__dict__.setdefault(_ATTRIBUTE, set())
    if name not in prepared:
        numbered = pieces[0] + "".join(f"${i}{piece}" for i, piece in enumerate(pieces[1:], start=1))
        cursor.execute(f"PREPARE {name} AS {numbered}")
        prepared.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}", params)


@receiver(connection_created)
def _forget_prepared(sender, connection, **kwargs) -> None:
    """A new connection has no prepared statement yet (the old one's died with it)."""
    connection.__dict__[_ATTRIBUTE] = set()
