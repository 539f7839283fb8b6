"""The SQL the reports need that the ORM cannot say on its own, in one place.

Database functions that format a result row inside the query (so the CSV writer receives final text and
a million rows stream without per-row Python; the masks are prakerja.lib.privacy's), and the joki
clustering (window functions). Each has a PostgreSQL and a SQLite spelling; both are tested.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Func

from prakerja.lib.identity import PROVINCE_CODES
from prakerja.lib.privacy import OneArgFunc


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

_EPOCH = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM {col}) AS BIGINT)",
    "sqlite": "CAST(STRFTIME('%%s', {col}) AS INTEGER)",
}
_PHONE_NUMBER = "CAST(SUBSTR({col}, 4) AS BIGINT)"

CLUSTER_SQL = """
WITH ev AS ({events}),
dense AS (
    SELECT reg_id, k1, k2, pos,
           COUNT(*) OVER (PARTITION BY k1, k2 ORDER BY pos
                          RANGE BETWEEN CURRENT ROW AND {span} FOLLOWING) AS ahead
    FROM ev
),
marked AS (
    SELECT reg_id, k1, k2, pos,
           MAX(CASE WHEN ahead >= {min_count} THEN pos END)
               OVER (PARTITION BY k1, k2 ORDER BY pos RANGE BETWEEN {span} PRECEDING AND CURRENT ROW) AS window_start
    FROM dense
),
members AS (
    SELECT reg_id, k1, k2, pos, LAG(pos) OVER (PARTITION BY k1, k2 ORDER BY pos, reg_id) AS prev_pos
    FROM marked
    WHERE window_start IS NOT NULL
)
SELECT k1, k2,
       SUM(CASE WHEN prev_pos IS NULL OR pos - prev_pos > {span} THEN 1 ELSE 0 END)
           OVER (PARTITION BY k1, k2 ORDER BY pos, reg_id ROWS UNBOUNDED PRECEDING) AS island,
       pos, reg_id
FROM members
ORDER BY k1, k2, island, pos, reg_id
"""


def cluster_events_sql(signal: str, *, vendor: str, tables: dict[str, str]) -> str:
    """The events of one signal for one wave (`%s` = the wave id), as `reg_id, k1, k2, pos`."""
    epoch = _EPOCH["postgresql" if vendor == "postgresql" else "sqlite"]
    r, a, u = tables["registration"], tables["applicant"], tables["user"]
    base = f"FROM {r} r JOIN {u} u ON u.id = r.applicant_id"
    if signal == "signup_ip":
        return (f"SELECT r.id AS reg_id, u.signup_ip_digest AS k1, NULL AS k2, {epoch.format(col='u.date_joined')} AS pos "
                f"{base} WHERE r.wave_id = %s AND u.signup_ip_digest IS NOT NULL")
    if signal == "signup_device":
        return (f"SELECT r.id AS reg_id, u.signup_ip_digest AS k1, u.signup_user_agent_digest AS k2, "
                f"{epoch.format(col='u.date_joined')} AS pos {base} WHERE r.wave_id = %s "
                f"AND u.signup_ip_digest IS NOT NULL AND u.signup_user_agent_digest IS NOT NULL")
    if signal == "join_ip":
        return (f"SELECT r.id AS reg_id, r.ip_digest AS k1, NULL AS k2, {epoch.format(col='r.registered_at')} AS pos "
                f"FROM {r} r WHERE r.wave_id = %s AND r.ip_digest IS NOT NULL")
    if signal == "join_device":
        return (f"SELECT r.id AS reg_id, r.ip_digest AS k1, r.user_agent_digest AS k2, "
                f"{epoch.format(col='r.registered_at')} AS pos FROM {r} r WHERE r.wave_id = %s "
                f"AND r.ip_digest IS NOT NULL AND r.user_agent_digest IS NOT NULL")
    if signal == "phone_sequence":
        # Numbers of one length only are compared: k1 is the length of the E.164 number.
        return (f"SELECT r.id AS reg_id, LENGTH(p.phone) AS k1, NULL AS k2, {_PHONE_NUMBER.format(col='p.phone')} AS pos "
                f"FROM {r} r JOIN {a} p ON p.user_id = r.applicant_id WHERE r.wave_id = %s")
    raise ValueError(signal)


def cluster_sql(signal: str, *, vendor: str, tables: dict[str, str], span: int, min_count: int) -> str:
    # span and min_count are ints from settings, formatted in: SQLite wants frame offsets to be literals.
    return CLUSTER_SQL.format(
        events=cluster_events_sql(signal, vendor=vendor, tables=tables), span=int(span), min_count=int(min_count)
    )


class FirstItems(Func):
    """The first `count` items of a JSON array column, as a JSON array, computed in the database: a page shows a
    few members of a joki cluster without loading the whole member list (at 6 M registrations one cluster may
    hold hundreds of thousands of ids)."""

    output_field = models.JSONField()

    def __init__(self, expression, count: int, **extra):
        super().__init__(expression, **extra)
        self.count = int(count)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=f"jsonb_path_query_array(%(expressions)s, '$[0 to {self.count - 1}]')",
                           **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(SELECT json_group_array(value) FROM (SELECT value FROM "
                           f"json_each(%(expressions)s) ORDER BY key LIMIT {self.count}))", **extra)
