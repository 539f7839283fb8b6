"""Benchmark of the report paths staff use after a screening, each beside a reference measured in the same run.

For each bench wave (default 1,000,000 and 6,000,000 registrations with results and joki signals at scale):
- the report summary staff wait for after a screening (reports.services.build_summary: the counts and every
  joki cluster, stored), beside a bare `SELECT count(*)` of the wave's registrations joined to their results;
- the report page (reports.views.wave_report), requested through Django's test Client by a staff member with
  the report permission and a verified second factor, in a fresh process per measurement with DEBUG off, so
  the process's ru_maxrss is that page's peak: time (the second request of the process; the first is printed
  as cold) and peak memory beside the 1 M wave's and the process's baseline. Targets at the biggest wave:
  < 300 ms and < 150 MB;
and for the smallest wave, the full result CSV through the download's code path (reports.services.export +
audited) into /dev/null beside PostgreSQL's own `COPY (SELECT ...) TO STDOUT` of the same query: rows per
second and peak memory. Targets: at least a quarter of COPY's rows/s, peak memory < 150 MB.

Every figure is the median of `--runs` (default 3) runs, reference and product taken in turn, with the spread.
The waves are built once with set-based SQL (INSERT ... SELECT generate_series) and reused by later runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction

from aftercare.services import kept_counts
from benchmarks import headline
from benchmarks.management.commands.bench_screening import _database_url
from eligibility.models import ScreeningResult, ScreeningRun
from prakerja.lib import cli, csvfile
from prakerja.lib.identity import PROVINCE_CODES
from prakerja.lib.timefmt import WIB
from registration.models import Applicant, Registration, User, Wave
from reports import services
from reports.models import AuditEntry, WaveSummary

ROOT = Path(__file__).resolve().parents[3]
# Bench waves are numbered 9,000,000 + size, far from real waves (12, 13, ...); those with joki signals
# (_BUILD_SQL) 59,000,000 + size, so a bench database's older waves without them are not reused.
BENCH_WAVE_BASE = 9_000_000
SIGNALS_OFFSET = 50_000_000
TARGET_SHARE_OF_COPY = 0.25
TARGET_PEAK_MB = 150
TARGET_PAGE_MS = 300
PAGE_READER = "bench-report-reader@bench.invalid"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _median(values: list[float], unit: str, digits: int = 2) -> str:
    """`median unit (min-max)`, with thousands separators (benchmarks.headline.spread)."""
    return headline.spread(values, f",.{digits}f", unit)


class Command(cli.Command):
    help = ("Time the report summary and the report page of big bench waves, and stream a wave's full result CSV "
            "(view code path) beside COPY TO STDOUT; PostgreSQL only.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--registrations", type=cli.positive_count, nargs="+", default=[1_000_000, 6_000_000],
                            help="sizes of the bench waves (the CSV is streamed from the smallest)")
        parser.add_argument("--runs", type=cli.positive_count, default=3, help="runs per figure (median printed)")
        parser.add_argument("--only", choices=["csv", "summary", "page"], help="measure one part (a quick re-run)")
        # Internal: the page measurement's own process (see _page_in_subprocess).
        parser.add_argument("--page-probe", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, registrations: list[int], runs: int, page_probe: int | None, only: str | None = None,
               **options) -> None:
        cli.require_postgresql("bench_report_csv")
        if page_probe is not None:
            self.stdout.write(json.dumps(_probe_page(page_probe)))
            return
        sizes = sorted(set(registrations))
        waves = {size: self._bench_wave(size) for size in sizes}
        for size, wave in waves.items():
            self.stdout.write(f"wave {wave.number}: {size:,} registrations with results")
        csv_ok = self._csv(waves[sizes[0]], sizes[0], runs) if only in (None, "csv") else True
        # Each figure printed as soon as it is measured (the 6 M wave takes minutes).
        for size, wave in waves.items():
            if only in (None, "summary"):
                self._print_summary(size, self._summary(wave, size, runs))
        if only not in (None, "page"):
            return
        pages: dict[int, dict] = {}
        for size, wave in waves.items():
            pages[size] = self._page(wave, size, runs)
            self._print_page(size, pages[size], reference=(sizes[0], pages[sizes[0]]))
        biggest = pages[sizes[-1]]
        ok = csv_ok and statistics.median(biggest["ms"]) < TARGET_PAGE_MS \
            and statistics.median(biggest["peak"]) < TARGET_PEAK_MB
        self.stdout.write(self.style.SUCCESS("targets met") if ok else self.style.ERROR("targets missed"))

    # --- CSV ----------------------------------------------------------------------------------------------

    def _csv(self, wave: Wave, size: int, runs: int) -> bool:
        # Warm the cache the same way for both readers: one untimed COPY first.
        self._copy(wave)
        rss_before = peak_rss_mb()
        stream_s, copy_s = [], []
        for _run in range(runs):
            started = time.perf_counter()
            blocks, counter = services.export(wave=wave, kind=AuditEntry.Kind.RESULTS)
            entry = services.record_access(user=None, actor="bench_report_csv", action=AuditEntry.Action.COMMAND,
                                           wave=wave, kind=AuditEntry.Kind.RESULTS, output="/dev/null")
            streamed = 0
            with open("/dev/null", "wb") as sink:
                for block in services.audited(entry, blocks, counter):
                    streamed += len(block)
                    sink.write(block)
            stream_s.append(time.perf_counter() - started)
            if counter[0] != size:
                raise CommandError(f"streamed {counter[0]} rows, expected {size}")
            seconds, copied = self._copy(wave)
            copy_s.append(seconds)
        peak = peak_rss_mb()
        share = statistics.median(copy_s) / statistics.median(stream_s)
        self.stdout.write(f"streamed CSV (view path): {size:,} rows, {streamed / 1e6:.1f} MB in {_median(stream_s, 's')}"
                          f" = {size / statistics.median(stream_s):,.0f} rows/s")
        self.stdout.write(f"COPY (SELECT ...) TO STDOUT: {size:,} rows, {copied / 1e6:.1f} MB in {_median(copy_s, 's')}"
                          f" = {size / statistics.median(copy_s):,.0f} rows/s")
        self.stdout.write(f"stream / COPY: {share:.2f} (target >= {TARGET_SHARE_OF_COPY})")
        headline.record(f"result CSV, {size:,} wave", f"{size / statistics.median(stream_s):,.0f} rows/s, peak {peak:.0f} MB",
                        f"`COPY ... TO STDOUT` {size / statistics.median(copy_s):,.0f} rows/s",
                        headline.verdict(share, at_least=TARGET_SHARE_OF_COPY)
                        + f"; peak < {TARGET_PEAK_MB} MB: {'met' if peak < TARGET_PEAK_MB else '**missed**'}")
        self.stdout.write(f"peak memory (ru_maxrss): {peak:.0f} MB, {rss_before:.0f} MB before streaming "
                          f"(target < {TARGET_PEAK_MB} MB)")
        return share >= TARGET_SHARE_OF_COPY and peak < TARGET_PEAK_MB

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

    # --- Summary ------------------------------------------------------------------------------------------

    def _summary(self, wave: Wave, size: int, runs: int) -> dict:
        """Build the summary `runs` times (each from nothing, as after a new screening run), each after the bare
        count join of the same rows."""
        run = ScreeningRun.objects.filter(wave=wave).order_by("-pk").first()
        join_s, build_s = [], []
        for _run in range(runs):
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(_COUNT_JOIN_SQL.format(registration=Registration._meta.db_table,
                                                      result=ScreeningResult._meta.db_table), [wave.pk])
                if cursor.fetchone()[0] != size:
                    raise CommandError(f"wave {wave.number} has not {size} results")
                join_s.append(time.perf_counter() - started)
            WaveSummary.objects.filter(run=run).delete()
            started = time.perf_counter()
            built = services.build_summary(wave=wave, run=run)
            build_s.append(time.perf_counter() - started)
        clusters = built.clusters.count()
        biggest = built.clusters.order_by("-size").values_list("size", flat=True).first() or 0
        members = sum(built.clusters.values_list("size", flat=True))
        return {"join": join_s, "build": build_s, "clusters": clusters, "biggest": biggest, "members": members}

    # --- Page ---------------------------------------------------------------------------------------------

    def _page(self, wave: Wave, size: int, runs: int) -> dict:
        """The report page of the wave, each run in a fresh process (its summary is stored: _summary built it)."""
        _page_reader()
        env = _web_env()
        # DEBUG off serves static URLs from the manifest, as in production (bench_surge does the same).
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        results = []
        for _run in range(runs):
            done = subprocess.run([sys.executable, "manage.py", "bench_report_csv", "--page-probe", str(wave.number)],
                                  cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise CommandError(f"the page probe failed: {done.stderr[-2000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        return {key: [r[key] for r in results] for key in results[0]}

    def _print_summary(self, size: int, figures: dict) -> None:
        ratio = statistics.median(figures["build"]) / statistics.median(figures["join"])
        self.stdout.write(
            f"summary, {size:,} registrations: {_median(figures['build'], 's')} ({figures['clusters']:,} joki clusters, "
            f"{figures['members']:,} members, the biggest {figures['biggest']:,}); bare count join of registrations "
            f"and results {_median(figures['join'], 's')}: {ratio:.1f}x")
        headline.record(f"report summary, {size:,} wave ({figures['clusters']:,} joki clusters)",
                        _median(figures["build"], "s"), f"bare count join of the wave's results "
                        f"{_median(figures['join'], 's')}", f"{ratio:.1f}x")

    def _print_page(self, size: int, figures: dict, *, reference: tuple[int, dict]) -> None:
        smallest, first = reference
        self.stdout.write(
            f"report page, {size:,} registrations: {_median(figures['ms'], 'ms', 0)} "
            f"(first request of the process {_median(figures['cold_ms'], 'ms', 0)}), "
            f"peak RSS {_median(figures['peak'], 'MB', 0)}, process baseline {_median(figures['base'], 'MB', 0)}; "
            f"{smallest:,} wave: {statistics.median(first['ms']):,.0f} ms, {statistics.median(first['peak']):,.0f} MB "
            f"(targets < {TARGET_PAGE_MS} ms, < {TARGET_PEAK_MB} MB)")
        ms, peak = statistics.median(figures["ms"]), statistics.median(figures["peak"])
        headline.record(f"report page, {size:,} wave", f"{_median(figures['ms'], 'ms', 0)}, peak {peak:,.0f} MB",
                        f"{smallest:,} wave: {statistics.median(first['ms']):,.0f} ms; process baseline "
                        f"{statistics.median(figures['base']):,.0f} MB",
                        f"< {TARGET_PAGE_MS} ms: {'met' if ms < TARGET_PAGE_MS else '**missed**'}; "
                        f"< {TARGET_PEAK_MB} MB: {'met' if peak < TARGET_PEAK_MB else '**missed**'}")

    # --- The bench waves ----------------------------------------------------------------------------------

    def _bench_wave(self, size: int) -> Wave:
        number = BENCH_WAVE_BASE + SIGNALS_OFFSET + size
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
            kept_counts(wave=wave)  # the report's recipients and reserve now, as a draw would have stored them
        with connection.cursor() as cursor:
            for model in (User, Applicant, Registration, ScreeningResult):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        self.stdout.write(f"built in {time.perf_counter() - started:.1f} s")
        return wave


def _web_env() -> dict[str, str]:
    """The environment of a web worker with the production settings (as bench_surge's gunicorn): DEBUG off, so
    no query log and no debug pages; this database."""
    return {**os.environ, "DEBUG": "False", "SECRET_KEY": settings.SECRET_KEY, "DIGEST_KEY": settings.DIGEST_KEY,
            "SEED_ENCRYPTION_KEY": settings.SEED_ENCRYPTION_KEY, "ALLOWED_HOSTS": "127.0.0.1", "BENCHMARKS": "True",
            "DATABASE_URL": _database_url(), "SECURE_SSL_REDIRECT": "False", "LOG_LEVEL": "WARNING"}


def _page_reader() -> User:
    """The staff account the page is requested as: report permission, a confirmed authenticator (the second factor
    every staff page asks for)."""
    from django.contrib.auth.models import Permission
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _created = User.objects.get_or_create(email=PAGE_READER, defaults={"is_staff": True, "is_active": True})
    app_label, codename = services.PERM_VIEW.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    TOTPDevice.objects.get_or_create(user=user, name="authenticator", confirmed=True)
    return user


def _probe_page(number: int) -> dict:
    """In the page measurement's own process: sign in as the page reader, second factor verified (as
    tests/conftest.py's force_login), then request the wave's report page twice; the second is timed warm."""
    from django.test import Client
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(email=PAGE_READER)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    url = reverse("reports:wave", kwargs={"number": number})
    base = peak_rss_mb()
    timings = []
    for _request in range(2):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or b"joki" not in response.content.lower():
            raise CommandError(f"report page answered {response.status_code}")
    return {"cold_ms": timings[0], "ms": timings[1], "peak": peak_rss_mb(), "base": base}


class _CountingSink:
    def __init__(self, sink) -> None:
        self.sink, self.size = sink, 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return self.sink.write(data)


# Accounts, profiles and registrations of the bench wave in one statement (data-modifying CTEs).
# NIK = province, '98', tag, birth date ddmmyy, serial; pairs of applicants share a KK; phone numbers
# are spread (n * 7919 mod 10^8, about as sparse as real numbers) so few form a tight sequence.
# Joki signals at scale, so the report's clusters are as big as a national wave's can be:
# - 30% of the accounts are made behind 4 carrier-grade NAT addresses (signup_ip: 4 clusters of 30% / 4 of the
#   wave, 450,000 members each at 6 M; with the 50 browsers, signup_device: 30 clusters of 1% each);
# - 20% of the registrations come through 2 such addresses (join_ip: 2 clusters of 10% each);
# - 0.8% come in groups of 8 from one joki's device (join_device: one cluster per 1,000 registrations);
# - 0.8% have phone numbers in runs of 8 consecutive numbers (phone_sequence: one per 1,000 accounts).
_BUILD_SQL = """
WITH g AS (
    SELECT n, (ARRAY[{provinces}])[1 + n %% {nprov}] AS prov, DATE '1970-01-01' + (n %% 10000) AS born,
           %(opens)s::timestamptz + make_interval(secs => (n::bigint * %(seconds)s) / (%(size)s + 1)) AS at,
           n %% 10 < 3 AS behind_cgnat
    FROM generate_series(1, %(size)s) AS n
),
u AS (
    INSERT INTO {user} (password, is_superuser, first_name, last_name, is_staff, is_active, date_joined, email,
                        email_verified_at, signup_ip_digest, signup_user_agent_digest, language)
    SELECT '!', false, '', '', false, true, at - interval '1 day', 'bench' || %(tag)s || '-' || n || '@bench.invalid',
           at - interval '1 day',
           md5(CASE WHEN behind_cgnat THEN 'cgnat' || n %% 4 ELSE 'ip' || n END)::uuid, md5('ua' || n %% 50)::uuid, 'id'
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
           g.born, CASE WHEN g.n %% 1000 < 8 THEN '+6288' || %(tag)s || lpad(g.n::text, 8, '0')
                      ELSE '+6289' || %(tag)s || lpad((g.n::bigint * 7919 %% 100000000)::text, 8, '0') END,
           true, g.at, g.at
    FROM u JOIN g ON g.n = split_part(split_part(u.email, '-', 2), '@', 1)::int
    RETURNING user_id, nik, kk, created_at
)
INSERT INTO {registration} (wave_id, applicant_id, registered_at, nik_digest, kk_digest, ip_digest,
                            user_agent_digest, seconds_since_signup)
SELECT %(wave)s, a.user_id, a.created_at, md5(a.nik)::uuid, md5(a.kk)::uuid,
       md5(CASE WHEN a.user_id %% 10 IN (3, 4) THEN 'cgnat-join' || a.user_id %% 2
                WHEN a.user_id %% 1000 >= 990 THEN 'joki' || a.user_id / 1000
                ELSE 'ip' || a.user_id END)::uuid,
       md5(CASE WHEN a.user_id %% 1000 >= 990 THEN 'joki-ua' || a.user_id / 1000 ELSE 'ua' || a.user_id %% 50 END)::uuid,
       86400
FROM a
"""

# The reference beside the summary: every registration of the wave with its result, counted.
_COUNT_JOIN_SQL = """
SELECT count(*) FROM {registration} r JOIN {result} s ON s.registration_id = r.id WHERE r.wave_id = %s
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
