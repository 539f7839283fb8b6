"""Benchmark: stream the full result CSV of a 1,000,000-registration wave from PostgreSQL.

The CSV goes through the code path of the download view (reports.services.export + audited: the same
query, server-side cursor, csv writer and audit entry) into /dev/null, beside PostgreSQL's own
`COPY (SELECT ...) TO STDOUT` of the same query in the same run. Prints rows per second for both and the
process's peak memory (ru_maxrss). Targets: at least a quarter of COPY's rows/s, peak memory < 150 MB.

The wave is built once with set-based SQL (INSERT ... SELECT generate_series) and reused by later runs.
"""
from __future__ import annotations

import datetime as dt
import resource
import time

from django.core.management.base import CommandError
from django.db import connection, transaction

from eligibility.models import ScreeningResult, ScreeningRun
from prakerja.lib.timefmt import WIB
from prakerja.lib import cli, csvfile
from prakerja.lib.identity import PROVINCE_CODES
from registration.models import Applicant, Registration, User, Wave
from reports import services
from reports.models import AuditEntry

# Bench waves are numbered 9,000,000 + size, far from real waves (12, 13, ...).
BENCH_WAVE_BASE = 9_000_000
TARGET_SHARE_OF_COPY = 0.25
TARGET_PEAK_MB = 150


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


class Command(cli.Command):
    help = "Stream a wave's full result CSV (view code path) beside COPY TO STDOUT; PostgreSQL only."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--registrations", type=cli.positive_count, default=1_000_000,
                            help="size of the bench wave")
        parser.add_argument("--summary", action="store_true", help="also time building the stored summary")

    def handle(self, *args, registrations: int, summary: bool, **options) -> None:
        cli.require_postgresql("bench_report_csv")
        wave = self._bench_wave(registrations)
        self.stdout.write(f"wave {wave.number}: {registrations:,} registrations with results")

        # Warm the cache the same way for both readers: one untimed COPY first.
        self._copy(wave)

        rss_before = peak_rss_mb()
        started = time.perf_counter()
        blocks, counter = services.export(wave=wave, kind=AuditEntry.Kind.RESULTS)
        entry = services.record_access(user=None, actor="bench_report_csv", action=AuditEntry.Action.COMMAND,
                                       wave=wave, kind=AuditEntry.Kind.RESULTS, output="/dev/null")
        size = 0
        with open("/dev/null", "wb") as sink:
            for block in services.audited(entry, blocks, counter):
                size += len(block)
                sink.write(block)
        stream_s = time.perf_counter() - started
        peak = peak_rss_mb()
        if counter[0] != registrations:
            raise CommandError(f"streamed {counter[0]} rows, expected {registrations}")

        copy_s, copy_bytes = self._copy(wave)
        stream_rate, copy_rate = counter[0] / stream_s, registrations / copy_s
        share = stream_rate / copy_rate
        self.stdout.write(f"streamed CSV (view path): {counter[0]:,} rows, {size / 1e6:.1f} MB in {stream_s:.2f} s "
                          f"= {stream_rate:,.0f} rows/s")
        self.stdout.write(f"COPY (SELECT ...) TO STDOUT: {registrations:,} rows, {copy_bytes / 1e6:.1f} MB in "
                          f"{copy_s:.2f} s = {copy_rate:,.0f} rows/s")
        self.stdout.write(f"stream / COPY: {share:.2f} (target >= {TARGET_SHARE_OF_COPY})")
        self.stdout.write(f"peak memory (ru_maxrss): {peak:.0f} MB, {rss_before:.0f} MB before streaming "
                          f"(target < {TARGET_PEAK_MB} MB)")
        if summary:
            self._time_summary(wave)
        ok = share >= TARGET_SHARE_OF_COPY and peak < TARGET_PEAK_MB
        self.stdout.write(self.style.SUCCESS("targets met") if ok else self.style.ERROR("targets missed"))

    def _copy(self, wave: Wave) -> tuple[float, int]:
        """COPY of exactly the query the download runs, to /dev/null; returns (seconds, bytes)."""
        sql, params = csvfile.file_sql(services.result_rows(wave=wave), services.result_columns())
        with connection.cursor() as cursor:
            query = cursor.mogrify(sql, params).decode()
            started = time.perf_counter()
            with open("/dev/null", "wb") as sink:
                counting = _CountingSink(sink)
                cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", counting)
            return time.perf_counter() - started, counting.size

    def _time_summary(self, wave: Wave) -> None:
        from reports.models import WaveSummary

        run = ScreeningRun.objects.filter(wave=wave).order_by("-pk").first()
        WaveSummary.objects.filter(run=run).delete()
        started = time.perf_counter()
        built = services.build_summary(wave=wave, run=run)
        self.stdout.write(f"summary built once in {time.perf_counter() - started:.2f} s "
                          f"({built.clusters.count()} joki clusters); later page loads read the stored row")

    def _bench_wave(self, size: int) -> Wave:
        number = BENCH_WAVE_BASE + size
        wave = Wave.objects.filter(number=number).first()
        if wave is not None and ScreeningResult.objects.filter(wave=wave).count() == size:
            return wave
        if wave is not None:
            raise CommandError(f"wave {number} exists but is incomplete: delete it or use another --registrations")
        self.stdout.write(f"building wave {number} with {size:,} registrations (once; later runs reuse it) ...")
        started = time.perf_counter()
        with transaction.atomic():
            wave = Wave.objects.create(
                number=number, quota=max(1, size * 3 // 5), status=Wave.Status.SELECTED,
                opens_at=dt.datetime(2021, 4, 1, tzinfo=WIB), closes_at=dt.datetime(2021, 4, 5, tzinfo=WIB),
                seed="b" * 64, seed_commitment=Wave.commitment_for("b" * 64),
                seed_revealed_at=dt.datetime(2021, 4, 8, tzinfo=WIB),
            )
            run = ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.DONE,
                                              finished_at=dt.datetime(2021, 4, 6, tzinfo=WIB))
            # A two-digit tag per bench wave keeps NIKs, phones and e-mails unique across bench waves.
            tag = Wave.objects.filter(number__gt=BENCH_WAVE_BASE).count() % 100
            with connection.cursor() as cursor:
                cursor.execute(_BUILD_SQL.format(
                    user=User._meta.db_table, applicant=Applicant._meta.db_table,
                    registration=Registration._meta.db_table, provinces=",".join(f"'{c}'" for c in PROVINCE_CODES),
                    nprov=len(PROVINCE_CODES),
                ), {"size": size, "tag": f"{tag:02d}", "wave": wave.pk, "opens": wave.opens_at,
                    "seconds": int((wave.closes_at - wave.opens_at).total_seconds())})
                extra = ", run_id" if any(f.name == "run" for f in ScreeningResult._meta.fields) else ""
                cursor.execute(_RESULTS_SQL.format(result=ScreeningResult._meta.db_table,
                                                   registration=Registration._meta.db_table, run_col=extra,
                                                   run_val=", %(run)s" if extra else ""),
                               {"wave": wave.pk, "quota": wave.quota, "run": run.pk})
        with connection.cursor() as cursor:
            for model in (User, Applicant, Registration, ScreeningResult):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        self.stdout.write(f"built in {time.perf_counter() - started:.1f} s")
        return wave


class _CountingSink:
    def __init__(self, sink) -> None:
        self.sink, self.size = sink, 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return self.sink.write(data)


# Accounts, profiles and registrations of the bench wave in one statement (data-modifying CTEs).
# NIK = province, '98', tag, birth date ddmmyy, serial; pairs of applicants share a KK; phone numbers
# are spread (n * 7919 mod 10^8, about as sparse as real numbers) so few form a tight sequence.
_BUILD_SQL = """
WITH g AS (
    SELECT n, (ARRAY[{provinces}])[1 + n %% {nprov}] AS prov, DATE '1970-01-01' + (n %% 10000) AS born,
           %(opens)s::timestamptz + make_interval(secs => (n::bigint * %(seconds)s) / (%(size)s + 1)) AS at
    FROM generate_series(1, %(size)s) AS n
),
u AS (
    INSERT INTO {user} (password, is_superuser, first_name, last_name, is_staff, is_active, date_joined, email,
                        email_verified_at, signup_ip_digest, signup_user_agent_digest, language)
    SELECT '!', false, '', '', false, true, at - interval '1 day', 'bench' || %(tag)s || '-' || n || '@bench.invalid',
           at - interval '1 day', md5('ip' || n)::uuid, md5('ua' || n %% 50)::uuid, 'id'
    FROM g
    RETURNING id, email
),
a AS (
    INSERT INTO {applicant} (user_id, nik, kk, full_name, birth_date, phone, not_in_formal_education, created_at,
                             updated_at)
    SELECT u.id, g.prov || '98' || %(tag)s || to_char(g.born, 'DDMMYY') || lpad((1 + g.n / 10000)::text, 4, '0'),
           g.prov || '98' || %(tag)s || '010120' || lpad((g.n / 2 %% 10000)::text, 4, '0'),
           (ARRAY['Siti', 'Budi', 'Dewi', 'Agus', 'Ni Luh', 'Made'])[1 + g.n %% 6] || ' '
               || (ARRAY['Aminah', 'Santoso', 'Lestari', 'Pratama', 'Wayan Sari'])[1 + g.n %% 5],
           g.born, '+6289' || %(tag)s || lpad((g.n::bigint * 7919 %% 100000000)::text, 8, '0'), true, g.at, g.at
    FROM u JOIN g ON g.n = split_part(split_part(u.email, '-', 2), '@', 1)::int
    RETURNING user_id, nik, kk, created_at
)
INSERT INTO {registration} (wave_id, applicant_id, registered_at, nik_digest, kk_digest, ip_digest,
                            user_agent_digest, seconds_since_signup)
SELECT %(wave)s, a.user_id, a.created_at, md5(a.nik)::uuid, md5(a.kk)::uuid, md5('ip' || a.user_id)::uuid,
       md5('ua' || a.user_id %% 50)::uuid, 86400
FROM a
"""

# One result per registration: a fifth ineligible (reasons cycled), the eligible ranked by a hash and the
# first `quota` selected.
_RESULTS_SQL = """
INSERT INTO {result} (registration_id, wave_id, status, reasons, rank, selected{run_col})
SELECT id, %(wave)s, CASE WHEN id %% 5 = 0 THEN 'ineligible' ELSE 'eligible' END,
       CASE WHEN id %% 5 = 0 THEN (ARRAY['asn', 'bansos', 'asn;bansos', 'kk_limit', 'prior_awardee', 'bsu;tni'])[1 + id %% 6]
            ELSE '' END,
       rank, CASE WHEN rank IS NULL THEN false ELSE rank <= %(quota)s END{run_val}
FROM (
    SELECT r.id, CASE WHEN r.id %% 5 = 0 THEN NULL
                      ELSE row_number() OVER (PARTITION BY r.id %% 5 = 0 ORDER BY md5('seed' || r.id)) END AS rank
    FROM {registration} r WHERE r.wave_id = %(wave)s
) ranked
"""
