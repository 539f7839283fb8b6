"""The SQL the reports need that the ORM cannot say on its own, in one place.

Database functions that format a result row inside the query (so the CSV writer receives final text and
a million rows stream without per-row Python; the masks are prakerja.lib.privacy's), and the joki
clustering (window functions). Each has a PostgreSQL and a SQLite spelling; both are tested.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Func

from prakerja.lib.identity import PROVINCE_CODES
from prakerja.lib.privacy import MaskedPhone, OneArgFunc


class ProvinceName(OneArgFunc):
    """The province name of a NIK (its first two digits), '' for an unknown code."""

    template = (
        "(CASE SUBSTR(%(expressions)s, 1, 2) "
        + " ".join(f"WHEN '{code}' THEN '{name.replace(chr(39), chr(39) * 2)}'" for code, name in PROVINCE_CODES.items())
        + " ELSE '' END)"
    )


class WibIsoformat(OneArgFunc):
    """An aware datetime as ISO 8601 in WIB (UTC+7, no daylight saving): `2021-04-01T08:30:00+07:00`."""

    def as_postgresql(self, compiler, connection, **extra):
        template = "TO_CHAR(%(expressions)s AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps SQLite datetimes as UTC text; '%%%%' survives two rounds of %-formatting as '%'.
        template = "STRFTIME('%%%%Y-%%%%m-%%%%dT%%%%H:%%%%M:%%%%S+07:00', %(expressions)s, '+7 hours')"
        return self.as_sql(compiler, connection, template=template, **extra)


# --- Joki clusters -------------------------------------------------------------------------------------
#
# Each signal is a set of events (registration id, key1, key2, position): e.g. the sign-up IP digest and
# the sign-up time in epoch seconds, or the phone number as an integer. A *dense window* is a window
# [p, p + span] of one key holding at least `min_count` events; every event inside a dense window is
# flagged, and flagged events of one key whose positions lie within `span` of each other form one cluster
# (overlapping dense windows merge). So a family of two on one connection never reaches a threshold of
# three, while forty accounts made from one phone in an hour form one cluster.
#
# Every window below is computed in one pass over rows sorted once by (key, position): "dense_before"
# counts the dense windows that start in [pos - span, pos] with COUNT, which PostgreSQL slides through the
# frame (it has an inverse transition); MAX there was recomputed over the whole frame for every row, so a
# carrier-grade NAT address with hundreds of thousands of sign-ups cost rows x frame. The members of each
# cluster are aggregated by the database too (one row per cluster, the ids as a JSON array in position
# order): no flagged row reaches Python.

_EPOCH = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM {col}) AS BIGINT)",
    "sqlite": "CAST(STRFTIME('%%s', {col}) AS INTEGER)",
}
_PHONE_NUMBER = "CAST(SUBSTR({col}, 4) AS BIGINT)"

_SIGNAL_SQL = """
{name}_ev AS ({events}),
{name}_keyed AS (
    SELECT reg_id, k1, k2, pos,
           COUNT(*) OVER (PARTITION BY {keys} ORDER BY pos
                          RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS key_events
    FROM {name}_ev
),
{name}_dense AS (
    SELECT reg_id, k1, k2, pos,
           COUNT(*) OVER (PARTITION BY {keys} ORDER BY pos RANGE BETWEEN CURRENT ROW AND {span} FOLLOWING) AS ahead
    FROM {name}_keyed
    WHERE key_events >= {min_count}
),
{name}_marked AS (
    SELECT reg_id, k1, k2, pos,
           COUNT(CASE WHEN ahead >= {min_count} THEN 1 END)
               OVER (PARTITION BY {keys} ORDER BY pos RANGE BETWEEN {span} PRECEDING AND CURRENT ROW) AS dense_before
    FROM {name}_dense
),
{name}_members AS (
    SELECT reg_id, k1, k2, pos, LAG(pos) OVER (PARTITION BY {keys} ORDER BY pos) AS prev_pos
    FROM {name}_marked
    WHERE dense_before > 0
),
{name}_islands AS (
    SELECT reg_id, k1, k2, pos,
           SUM(CASE WHEN prev_pos IS NULL OR pos - prev_pos > {span} THEN 1 ELSE 0 END)
               OVER (PARTITION BY {keys} ORDER BY pos RANGE UNBOUNDED PRECEDING) AS island
    FROM {name}_members
),
{name}_clusters AS ({grouped})"""
# Events of a key with fewer than `min_count` events in all can be in no dense window: the first window (the
# whole key, computed once per key) drops them, so the sliding windows see only the keys that may cluster
# (most sign-up and join addresses are one person's). Every window orders by position only, so one sort
# serves them all. Events at one position are peers in no
# particular order, which cannot change the clusters: whichever peer comes first, it alone may see a gap
# (the others follow it at distance 0), and the island number, a RANGE sum, counts every peer's gap, so
# all peers share one island. The ids' order inside a cluster is fixed where they are aggregated
# (position, then id).

# One row per cluster: size, first and last position, the ids in (position, id) order and the first id.
_GROUPED = {
    "postgresql": """
    SELECT k1, k2, COUNT(*) AS size, MIN(pos) AS first_pos, MAX(pos) AS last_pos,
           jsonb_agg(reg_id ORDER BY pos, reg_id) AS ids, (MIN(ARRAY[pos, reg_id]))[2] AS first_id
    FROM {name}_islands GROUP BY k1, k2, island""",
    # SQLite's aggregates take no ORDER BY: an ordered window over the whole cluster, read on its first row.
    "sqlite": """
    SELECT k1, k2, size, first_pos, last_pos, ids, first_id
    FROM (SELECT k1, k2, reg_id AS first_id, COUNT(*) OVER w AS size, MIN(pos) OVER w AS first_pos,
                 MAX(pos) OVER w AS last_pos,
                 json_group_array(reg_id) OVER (w ORDER BY pos, reg_id
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS ids,
                 ROW_NUMBER() OVER (w ORDER BY pos, reg_id) AS nth
          FROM {name}_islands WINDOW w AS (PARTITION BY k1, k2, island))
    WHERE nth = 1""",
}
_TIMESTAMP = {"postgresql": "TO_TIMESTAMP({col})", "sqlite": "DATETIME({col}, 'unixepoch')"}
# The key staff see: the first 8 hex digits of each digest (as reports.models.JokiCluster.key says).
_DIGEST_KEY = ("SUBSTR(REPLACE(CAST(k1 AS TEXT), '-', ''), 1, 8)"
               " || COALESCE(':' || SUBSTR(REPLACE(CAST(k2 AS TEXT), '-', ''), 1, 8), '')")


# The signal's events read from one source (its rows read once for both signals that use it):
# signal -> (source, k1, k2, condition).
_SIGNAL_EVENTS = {
    "signup_ip": ("signup", "ip", "NULL", "TRUE"),
    "signup_device": ("signup", "ip", "ua", "ua IS NOT NULL"),
    "join_ip": ("joined", "ip", "NULL", "TRUE"),
    "join_device": ("joined", "ip", "ua", "ua IS NOT NULL"),
    # Numbers of one length only are compared: k1 is the length of the E.164 number.
    "phone_sequence": ("phone", "length", "NULL", "TRUE"),
}


def cluster_source_sql(source: str, *, vendor: str, tables: dict[str, str]) -> str:
    """The rows of one wave (`%s` = the wave id) a signal's events come from: `reg_id, ip, ua, pos` for the
    account's sign-up ("signup") and the registration ("joined"), `reg_id, length, pos` for the phone number."""
    epoch = _EPOCH["postgresql" if vendor == "postgresql" else "sqlite"]
    r, a, u = tables["registration"], tables["applicant"], tables["user"]
    if source == "signup":
        return (f"SELECT r.id AS reg_id, u.signup_ip_digest AS ip, u.signup_user_agent_digest AS ua, "
                f"{epoch.format(col='u.date_joined')} AS pos FROM {r} r JOIN {u} u ON u.id = r.applicant_id "
                f"WHERE r.wave_id = %s AND u.signup_ip_digest IS NOT NULL")
    if source == "joined":
        return (f"SELECT r.id AS reg_id, r.ip_digest AS ip, r.user_agent_digest AS ua, "
                f"{epoch.format(col='r.registered_at')} AS pos FROM {r} r WHERE r.wave_id = %s AND r.ip_digest IS NOT NULL")
    if source == "phone":
        return (f"SELECT r.id AS reg_id, LENGTH(p.phone) AS length, {_PHONE_NUMBER.format(col='p.phone')} AS pos "
                f"FROM {r} r JOIN {a} p ON p.user_id = r.applicant_id WHERE r.wave_id = %s")
    raise ValueError(source)


def clusters_sql(signals: list[tuple[str, int, int]], *, vendor: str, tables: dict[str, str]) -> tuple[str, int]:
    """One statement listing every joki cluster of one wave, for the `(signal, span, min_count)` given.

    Returns the SQL and how many `%s` (each the wave id) it takes. Its rows are `signal, key, first_at,
    last_at, size, registration_ids, first_id`: key as JokiCluster.key (digest prefixes, or the masked first
    and last phone number of a sequence), first_at/last_at the first and last event's time (NULL for phone
    sequences), registration_ids a JSON array in position order, first_id its first item. Unordered.
    """
    vendor = "postgresql" if vendor == "postgresql" else "sqlite"
    sources = list(dict.fromkeys(_SIGNAL_EVENTS[signal][0] for signal, _span, _min in signals))
    parts = [f"{source}_src AS ({cluster_source_sql(source, vendor=vendor, tables=tables)})" for source in sources]
    selects = []
    for signal, span, min_count in signals:
        source, k1, k2, condition = _SIGNAL_EVENTS[signal]
        events = f"SELECT reg_id, {k1} AS k1, {k2} AS k2, pos FROM {source}_src WHERE {condition}"
        # span and min_count are ints from settings, formatted in: SQLite wants frame offsets to be literals.
        parts.append(_SIGNAL_SQL.format(
            name=signal, events=events, span=int(span),
            # Only keys that vary: a constant k2 (NULL) in the windows would make PostgreSQL sort again.
            keys="k1" if k2 == "NULL" else "k1, k2",
            min_count=int(min_count), grouped=_GROUPED[vendor].format(name=signal),
        ))
        if signal == "phone_sequence":
            # mask_phone() in SQL (prakerja.lib.privacy.MaskedPhone) of the first and last number.
            first, last = (MaskedPhone.template % {"expressions": f"('+62' || CAST({col} AS TEXT))"}
                           for col in ("first_pos", "last_pos"))
            key, first_at, last_at = f"{first} || ' – ' || {last}", "NULL", "NULL"
        else:
            key = _DIGEST_KEY
            first_at, last_at = (_TIMESTAMP[vendor].format(col=col) for col in ("first_pos", "last_pos"))
        selects.append(f"SELECT '{signal}' AS signal, {key} AS key, {first_at} AS first_at, {last_at} AS last_at, "
                       f"size, ids AS registration_ids, first_id FROM {signal}_clusters")
    sql = "WITH " + ",".join(parts) + "\n" + "\nUNION ALL\n".join(selects)
    return sql, len(sources)


# Items `first` to `first + count - 1` of a JSON array (fewer at its end, [] past it), as a JSON array.
_JSON_SLICE = {
    "postgresql": "jsonb_path_query_array({array}, '$[{first} to {last}]')",
    "sqlite": "(SELECT json_group_array(value) FROM (SELECT value FROM json_each({array}) ORDER BY key "
              "LIMIT {count} OFFSET {first}))",
}


def json_slice_sql(array: str, *, first: int, count: int, vendor: str) -> str:
    """SQL for `count` items of the JSON array `array` (an SQL expression) from index `first` (0-based)."""
    first, count = int(first), int(count)
    template = _JSON_SLICE["postgresql" if vendor == "postgresql" else "sqlite"]
    return template.format(array=array, first=first, last=first + count - 1, count=count)


class JsonSlice(Func):
    """`count` items of a JSON array column from index `first`, as a JSON array, cut out by the database: a page of
    a joki cluster's members without loading its whole member list (at 6 M registrations one cluster may hold
    hundreds of thousands of ids)."""

    output_field = models.JSONField()

    def __init__(self, expression, *, first: int = 0, count: int, **extra):
        super().__init__(expression, **extra)
        self.first, self.count = int(first), int(count)

    def as_sql(self, compiler, connection, **extra):
        template = json_slice_sql("%(expressions)s", first=self.first, count=self.count, vendor=connection.vendor)
        return super().as_sql(compiler, connection, template=template, **extra)
