"""The tables that hold exclusion-list versions, and the SQL that fills, swaps and drops them.

Each version's digests live in a table of their own (table_name()): `nik_digest` uuid NOT NULL, primary
key; `kk_digest` uuid NULL, indexed for the prior-awardee list. PostgreSQL is filled by binary COPY into
an unindexed table, indexed once and ANALYZEd (docs/PERFORMANCE.md); SQLite (development) by inserts.
"""
from __future__ import annotations

import csv
import io
import logging
import re
import struct
import time
from dataclasses import dataclass, field
from typing import IO, BinaryIO, Iterator

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from eligibility.lists.digests import COPY_HEADER, COPY_TRAILER, DigestPool, Hasher
from eligibility.lists.files import ListLayout, LineReader, split_numbers
from eligibility.models.lists import ExclusionList, ExclusionListBadRow, ListCategory
from eligibility.models.screening import ScreeningRun

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(LOCK_NAMESPACE, n): n=0 serialises swaps and table releases; n=version id keeps
# two deliveries of one load task from loading the same version at once.
LOCK_NAMESPACE = 0x4C495354  # "LIST"


# Session settings for the load's transaction (SET LOCAL): memory to build the index (and, for a file with
# duplicates, sort the rows whose digest prefix repeats) without spilling to disk; JIT compiling costs more
# than it saves.
PG_LOAD_SETTINGS = {
    "jit": "off",
    "maintenance_work_mem": "1GB",
    "work_mem": "256MB",
}


_TABLE_NAME = re.compile(r"exclusion_list_[0-9]+")


def table_name(version_id: int) -> str:
    """The name of the table that holds list version `version_id`'s digests: `exclusion_list_<id>`.

    The one place that names a list table. Table names are interpolated into SQL, so every reader
    checks a stored name with is_list_table() first."""
    return f"exclusion_list_{int(version_id)}"


def is_list_table(name: str | None) -> bool:
    """True for a name table_name() could have produced (a plain identifier, safe to put in SQL)."""
    return bool(name) and _TABLE_NAME.fullmatch(name) is not None


def drop_table(version_id: int) -> None:
    """Drop a version's table if it exists (a refused or released load)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table_name(version_id))}")


def table_holds(name: str, nik_digest) -> bool:
    """True when the list table `name` holds `nik_digest` (a value prepared for this connection)."""
    if not is_list_table(name):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(name)} WHERE nik_digest = %s", [nik_digest])
        return cursor.fetchone() is not None


class BlockStream(io.RawIOBase):
    """A file-like view of an iterator of byte blocks, for psycopg2's copy_expert (which calls read())."""

    def __init__(self, blocks: Iterator[bytes]):
        self._blocks = blocks

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return next(self._blocks, b"")


@dataclass
class LoadCounts:
    lines: int = 0
    good: int = 0
    bad: int = 0
    kk_dropped: int = 0
    rows: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.good - self.rows


def try_lock_version(version_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, version_id])
        return cursor.fetchone()[0]


def fill_postgresql(
    version: ExclusionList, file: BinaryIO, layout: ListLayout, bad_sink: IO[str], progress,
    digest_pool: DigestPool,
) -> LoadCounts:
    qn = connection.ops.quote_name
    table = qn(table_name(version.pk))
    counts, clock = LoadCounts(), time.perf_counter()
    reader = LineReader(file, layout, bad_sink)

    def copy_data() -> Iterator[bytes]:
        yield COPY_HEADER
        for rows in digest_pool.copy_rows(reader.blocks()):
            yield rows
            progress.value = min(80, int(80 * reader.bytes_read / max(layout.size, 1)))
        yield COPY_TRAILER

    with connection.cursor() as cursor:
        for name, value in PG_LOAD_SETTINGS.items():
            cursor.execute(f"SET LOCAL {name} = '{value}'")
        # Unindexed while it fills: COPY into an indexed table is 20-30x slower (docs/PERFORMANCE.md).
        cursor.execute(f"CREATE TABLE {table} (nik_digest uuid NOT NULL, kk_digest uuid NULL)")
        # Binary COPY of the digests: PostgreSQL parses nothing, and the NIKs never leave this process.
        cursor.copy_expert(f"COPY {table} (nik_digest, kk_digest) FROM STDIN WITH (FORMAT binary)",
                           BlockStream(copy_data()))
        counts.lines, counts.good, counts.bad = reader.lines, reader.good, reader.bad
        counts.kk_dropped = reader.kk_dropped
        counts.timings["read_digest_copy"] = time.perf_counter() - clock
        counts.rows = counts.good
        if not counts.good:
            return counts  # refused by _load_version: nothing to index
        if digest_pool.duplicates_seen:
            # Known to hold duplicate NIKs (DigestPool's probe): they are deleted before the key is tried,
            # rather than after a unique index failed on them.
            counts.rows -= _delete_duplicates(cursor, version.pk, digest_pool.repeated_prefixes())
            counts.timings["duplicates"] = time.perf_counter() - clock - sum(counts.timings.values())
            cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (nik_digest)")
        else:
            try:
                with transaction.atomic():  # a savepoint: duplicates the probe missed make the unique index fail
                    cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (nik_digest)")
            except IntegrityError:
                counts.rows -= _delete_duplicates(cursor, version.pk, digest_pool.repeated_prefixes())
                counts.timings["duplicates"] = time.perf_counter() - clock - sum(counts.timings.values())
                cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (nik_digest)")
        counts.timings["index"] = time.perf_counter() - clock - sum(counts.timings.values())
        if version.category == ListCategory.PRIOR_AWARDEE:
            # Built on the filled table like the primary key. The KK phase of a screening counts the
            # earlier recipients of each family card in its KK digest range from this index alone.
            cursor.execute(
                f"CREATE INDEX {qn(f'{table_name(version.pk)}_kk')} ON {table} (kk_digest)"
                f" INCLUDE (nik_digest) WHERE kk_digest IS NOT NULL"
            )
        progress.value = 95
        counts.timings["kk_index"] = time.perf_counter() - clock - sum(counts.timings.values())
        # The screening joins this table next: the planner must not believe it is empty.
        cursor.execute(f"ANALYZE {table}")
        counts.timings["analyze"] = time.perf_counter() - clock - sum(counts.timings.values())
    return counts


def _delete_duplicates(cursor, version_id: int, repeated_prefixes: list[bytes]) -> int:
    """Delete the extra lines of every duplicate NIK from a version's filled, unindexed table; returns how many.

    One row per NIK digest is kept: one with a KK digest when any of its lines had one (the smallest, for a
    stable choice). Only the rows whose digest starts with one of `repeated_prefixes` (DigestPool
    .repeated_prefixes: the lines of every duplicate NIK, a few per cent of the table) are looked at: one
    scan of the table, hashed against the prefixes, then those rows compared by their whole digests, so
    that two NIKs that only share a prefix both stay. This replaces a sort of every row (the rebuild with
    DISTINCT ON, or a window over the whole table: 8-16 s on 10 M rows, docs/PERFORMANCE.md). A row
    deleted by this transaction is indexed as dead, not checked for uniqueness, by the key built next.
    """
    if not repeated_prefixes:
        return 0
    qn = connection.ops.quote_name
    table = qn(table_name(version_id))
    length = len(repeated_prefixes[0])  # digests.PREFIX_BYTES
    cursor.execute("CREATE TEMPORARY TABLE exclusion_repeated_prefix (prefix bytea NOT NULL) ON COMMIT DROP")
    # Binary COPY: per row one field, the prefix's bytes.
    field = struct.pack("!hi", 1, length)
    cursor.copy_expert("COPY exclusion_repeated_prefix (prefix) FROM STDIN WITH (FORMAT binary)", io.BytesIO(
        COPY_HEADER + field + field.join(repeated_prefixes) + COPY_TRAILER))
    cursor.execute("ANALYZE exclusion_repeated_prefix")
    cursor.execute(
        f"DELETE FROM {table} WHERE ctid = ANY (ARRAY("
        f"  SELECT ctid FROM ("
        f"    SELECT ctid, row_number() OVER (PARTITION BY nik_digest ORDER BY kk_digest NULLS LAST) AS line"
        f"    FROM {table}"
        f"    WHERE substr(uuid_send(nik_digest), 1, {int(length)})"
        f"      IN (SELECT prefix FROM exclusion_repeated_prefix)"
        f"  ) AS candidates WHERE line > 1))"
    )
    deleted = cursor.rowcount
    cursor.execute("DROP TABLE exclusion_repeated_prefix")
    return deleted


def fill_sqlite(version: ExclusionList, file: BinaryIO, layout: ListLayout, bad_sink: IO[str]) -> LoadCounts:
    """Development path: the same reader and digests, plain inserts (small files)."""
    qn = connection.ops.quote_name
    table = qn(table_name(version.pk))
    counts, clock = LoadCounts(), time.perf_counter()
    reader = LineReader(file, layout, bad_sink)
    hasher = Hasher(settings.DIGEST_KEY.encode())
    with connection.cursor() as cursor:
        # char(32): lowercase hex without dashes, as Django stores a UUIDField on SQLite.
        cursor.execute(f"CREATE TABLE {table} (nik_digest char(32) NOT NULL PRIMARY KEY, kk_digest char(32) NULL)")
        for block in reader.blocks():
            niks, kks = split_numbers(block, layout)
            nik_digests = [digest.hex() for digest in hasher.digests(niks)]
            kk_digests = [None] * len(niks) if kks is None else [d.hex() if d else None for d in hasher.digests(kks)]
            # A duplicate NIK counts once; the smallest KK digest of its lines is kept, as on PostgreSQL
            # (SQLite's two-argument min() is NULL when either is).
            cursor.executemany(
                f"INSERT INTO {table} (nik_digest, kk_digest) VALUES (%s, %s) ON CONFLICT (nik_digest)"
                f" DO UPDATE SET kk_digest = COALESCE(min({table}.kk_digest, excluded.kk_digest),"
                f" {table}.kk_digest, excluded.kk_digest)",
                list(zip(nik_digests, kk_digests)),
            )
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        counts.rows = cursor.fetchone()[0]
        if version.category == ListCategory.PRIOR_AWARDEE:
            # As on PostgreSQL, for the KK phase's look-up by family card (SQLite has no INCLUDE).
            cursor.execute(f"CREATE INDEX {qn(f'{table_name(version.pk)}_kk')} ON {table} (kk_digest)")
    counts.lines, counts.good, counts.bad = reader.lines, reader.good, reader.bad
    counts.kk_dropped = reader.kk_dropped
    counts.timings["load"] = time.perf_counter() - clock
    return counts


def save_bad_rows_postgresql(version: ExclusionList, bad_sink: IO[str]) -> None:
    bad_sink.flush()
    if not bad_sink.tell():
        return
    bad_sink.seek(0)
    table = ExclusionListBadRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE exclusion_bad_stage (line bigint, reason text, value text) ON COMMIT DROP")
        cursor.copy_expert("COPY exclusion_bad_stage (line, reason, value) FROM STDIN WITH (FORMAT csv)", bad_sink)
        cursor.execute(
            f"INSERT INTO {table} (exclusion_list_id, line, reason, value)"
            f" SELECT %s, line, reason, coalesce(value, '') FROM exclusion_bad_stage",
            [version.pk],
        )
        cursor.execute("DROP TABLE exclusion_bad_stage")


def save_bad_rows_generic(version: ExclusionList, bad_sink: IO[str]) -> None:
    bad_sink.flush()
    bad_sink.seek(0)
    batch = []
    for row in csv.reader(bad_sink):
        batch.append(ExclusionListBadRow(exclusion_list=version, line=int(row[0]), reason=row[1], value=row[2]))
        if len(batch) >= 5000:
            ExclusionListBadRow.objects.bulk_create(batch)
            batch = []
    ExclusionListBadRow.objects.bulk_create(batch)


def lock_swaps() -> None:
    """Serialise swaps and table releases (PostgreSQL; SQLite serialises every writer anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_NAMESPACE])


def release_unused_list_tables() -> list[str]:
    """Drop the entries tables of replaced (or failed, or discarded) versions that no running screening uses.

    A version waiting for confirmation keeps its table: confirming it swaps that table in.

    A running ScreeningRun names its versions in list_versions ([{"version_id": ...}, ...]); their
    tables stay until the run is no longer running. Returns the names of the dropped tables.
    """
    dropped = []
    with transaction.atomic():
        lock_swaps()
        in_use = {
            entry.get("version_id")
            for versions in ScreeningRun.objects.filter(status=ScreeningRun.Status.RUNNING).values_list(
                "list_versions", flat=True
            )
            for entry in (versions or [])
            if isinstance(entry, dict)
        }
        candidates = (
            ExclusionList.objects.select_for_update()
            .filter(status__in=[ExclusionList.Status.REPLACED, ExclusionList.Status.FAILED, ExclusionList.Status.DISCARDED])
            .exclude(table_name="")
            .exclude(pk__in=[pk for pk in in_use if isinstance(pk, int)])
        )
        with connection.cursor() as cursor:
            for version in candidates:
                if not is_list_table(version.table_name):
                    continue
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(version.table_name)}")
                dropped.append(version.table_name)
                ExclusionList.objects.filter(pk=version.pk).update(table_name="", released_at=timezone.now())
    if dropped:
        logger.info("Released exclusion list tables: %s", ", ".join(dropped))
    return dropped
