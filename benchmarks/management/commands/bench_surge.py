"""`make bench` (via run_benchmarks): the deadline surge, against gunicorn with the production settings.

On PostgreSQL and Redis only. Builds (once; cached between runs, keyed by the sizes) an open benchmark wave that
already holds N registrations of N applicants (INSERT ... SELECT generate_series), plus A verified "joiner"
accounts with complete profiles that have not joined yet, each with a stored session. Then starts gunicorn
(DEBUG=False, SECRET_KEY/DIGEST_KEY set, ALLOWED_HOSTS, sessions and cache on Redis, persistent database
connections) and drives it with wrk (headless, bounded in time) from a second process on loopback, at each
client count, for each of:

- reference "trivial": a view with every middleware and no template or query (benchmarks.views.trivial);
- reference "insert": a logged-in POST (session, user, CSRF) inserting one row (benchmarks.views.insert_one_row);
- landing (anonymous GET /), wave page (anonymous GET /gelombang/N/), dashboard (logged-in GET /dasbor/),
  join (logged-in POST /gelombang/N/gabung/, each request a different joiner).

Every figure is the median of --repeat runs with the spread (min-max) printed; the runs go round robin (each
repetition runs every scenario once). Each page is printed as a ratio of its same-run reference (join and dashboard against "insert", landing and wave page against "trivial").
After each join run the accepted responses (302 with no refusal: every joiner is fresh) are compared with the
rows stored; requests in flight when wrk stops may be stored without being counted (at most one per client).
Untimed between runs: the joiners' registrations and the floor table are emptied.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from benchmarks import headline
from benchmarks.management.commands.bench_screening import _database_url
from benchmarks.views import FLOOR_TABLE
from eligibility import waves
from notifications.models import Notification
from prakerja.celery import app
from prakerja.lib import cli
from registration.models import Registration, User, Wave

WAVE_NUMBER = waves.BENCHMARK_WAVES_FROM + 20  # benchmark waves may be published beside real ones (eligibility.waves)
META = "bench_surge_meta"
ROOT = Path(settings.BASE_DIR)
BACKGROUND = "bench-surge-bg-"   # applicants already registered in the wave
JOINER = "bench-surge-join-"     # applicants who join during the runs
# Which reference each page is compared with, and its target ratio (None: printed, no target).
SCENARIOS = [
    ("trivial", None, None),
    ("insert", None, None),
    ("landing", "trivial", 0.5),
    ("wave", "trivial", None),
    ("dashboard", "insert", None),
    ("join", "insert", 0.5),
]
JOIN_P99_TARGET_MS = 300

WRK_SCRIPT = r"""
keys, statuses, counter = {}, {}, 0
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args)
  method, path, csrf, keyfile, nthreads = args[1], args[2], args[3], args[4], tonumber(args[5])
  if keyfile ~= "-" then for line in io.lines(keyfile) do keys[#keys + 1] = line end end
  counter = id
end
function request()
  local cookie = "csrftoken=" .. csrf
  if #keys > 0 then
    cookie = cookie .. "; sessionid=" .. keys[(counter % #keys) + 1]
    counter = counter + nthreads
  end
  local headers = {["Cookie"] = cookie, ["X-CSRFToken"] = csrf}
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", path, headers, "")
  end
  return wrk.format("GET", path, headers)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local codes = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do codes[code] = (codes[code] or 0) + n end
  end
  local text = ""
  for code, n in pairs(codes) do text = text .. code .. ":" .. n .. "," end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50=%d p95=%d p99=%d errors=%d codes=%s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, text))
end
"""


class Command(cli.Command):
    help = "Benchmark: the deadline surge on gunicorn (production settings) with wrk, beside same-run references."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--registrations", type=cli.positive_count, default=2_000_000,
                            help="registrations already stored in the wave")
        parser.add_argument("--joiners", type=cli.positive_count, default=100_000,
                            help="fresh accounts that join during a run (more than one run's requests)")
        parser.add_argument("--clients", default="100,500", help="comma-separated client counts")
        parser.add_argument("--seconds", type=cli.positive_count, default=20, help="length of each run")
        parser.add_argument("--repeat", type=cli.positive_count, default=3, help="runs per figure (median)")
        parser.add_argument("--port", type=cli.positive_count, default=8031)
        parser.add_argument("--web-workers", type=cli.positive_count, default=5)
        parser.add_argument("--web-threads", type=cli.positive_count, default=2)
        parser.add_argument("--only", default="", help="comma-separated scenarios (references are always run)")
        parser.add_argument("--fresh", action="store_true", help="rebuild the generated data")

    def handle(self, *args, registrations: int, joiners: int, clients: str, seconds: int, repeat: int, port: int,
               web_workers: int, web_threads: int, only: str, fresh: bool, **options) -> None:
        cli.require_postgresql("bench_surge")
        if not _which("wrk"):
            raise CommandError("wrk is not installed (Debian: apt-get install wrk)")
        cache_url = os.environ.get("CACHE_URL", "")
        if not cache_url.startswith("redis"):
            raise CommandError("bench_surge needs CACHE_URL=rediscache://... (production's shared cache)")
        call_command("migrate", interactive=False, verbosity=0)
        out = self.stdout.write
        started = time.perf_counter()
        wave = self._ensure_data(registrations, joiners, fresh)
        keys = self._sessions(joiners)
        self._warm_session_cache()
        out(f"data: wave {wave.number} holding {registrations:,} registrations, {joiners:,} joiners with sessions "
            f"(ready in {time.perf_counter() - started:.1f} s)")
        wanted = {s.strip() for s in only.split(",") if s.strip()}
        scenarios = [s for s in SCENARIOS if not wanted or s[0] in wanted or s[1] is None]
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret, sent as cookie and header
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "surge.lua"
            script.write_text(WRK_SCRIPT)
            keyfile = Path(tmp) / "sessions.txt"
            keyfile.write_text("\n".join(keys) + "\n")
            server = self._start_server(port, web_workers, web_threads, Path(tmp))
            try:
                out(f"server: gunicorn {web_workers} workers x {web_threads} threads, DEBUG=False, Redis sessions "
                    f"and cache, CONN_MAX_AGE=60; load: wrk, 2 threads, {seconds} s per run, median of {repeat} "
                    f"(spread min-max)")
                for count in [int(c) for c in clients.split(",")]:
                    self._at(count, scenarios, wave, port, script, keyfile, csrf, seconds, repeat, joiners)
            finally:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
        self._reset(wave)

    # --- one client count ----------------------------------------------------------------------------------

    def _at(self, count, scenarios, wave, port, script, keyfile, csrf, seconds, repeat, joiners) -> None:
        out = self.stdout.write
        out(self.style.MIGRATE_LABEL(f"{count} clients"))
        out(f"  {'what':<10} {'req/s':>16} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}  vs reference")
        # Round robin: each repetition runs every scenario once, so that a change in the machine's load hits the
        # pages and their references alike (other processes share these 2 cores).
        for name, _reference, _target in scenarios:
            self._reset(wave)
            self._wrk(name, wave, port, script, keyfile, csrf, 2, count)  # untimed warm-up (templates, catalogs)
        runs: dict[str, list[dict]] = {name: [] for name, _r, _t in scenarios}
        for _ in range(repeat):
            for name, _reference, _target in scenarios:
                self._reset(wave)
                result = self._wrk(name, wave, port, script, keyfile, csrf, seconds, count)
                if name == "join":
                    result["stored"] = Registration.objects.filter(
                        wave=wave, applicant__user__email__startswith=JOINER).count()
                runs[name].append(result)
        medians = {name: statistics.median(r["rate"] for r in results) for name, results in runs.items()}
        for name, reference, target in scenarios:
            rates = [r["rate"] for r in runs[name]]
            p = {k: statistics.median(r[k] for r in runs[name]) for k in ("p50", "p95", "p99")}
            errors = sum(r["errors"] + r["bad"] for r in runs[name])
            line = (f"  {name:<10} {medians[name]:8,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) {p['p50']:7.1f} "
                    f"{p['p95']:7.1f} {p['p99']:7.1f} {errors:6d}")
            if reference:
                ratio = medians[name] / medians[reference]
                line += f"  {ratio:.2f}x {reference}"
                if target is not None:
                    line += f" (target >= {target}: {'OK' if ratio >= target else 'MISSED'})"
            if name == "join":
                line += f"; p99 target < {JOIN_P99_TARGET_MS} ms: {'OK' if p['p99'] < JOIN_P99_TARGET_MS else 'MISSED'}"
            out(line)
            if reference:
                ratio = medians[name] / medians[reference]
                verdict = (headline.verdict(ratio, at_least=target) if target is not None else f"{ratio:.2f}x")
                if name == "join":
                    verdict += (f"; p99 < {JOIN_P99_TARGET_MS} ms: "
                                f"{'met' if p['p99'] < JOIN_P99_TARGET_MS else '**missed**'}")
                headline.record(
                    f"{name}, {count} clients", f"{headline.spread(rates, ',.0f')} req/s, p50 {p['p50']:,.0f} ms, "
                    f"p99 {p['p99']:,.0f} ms, {errors} errors",
                    f"{reference}: {medians[reference]:,.0f} req/s, p99 "
                    f"{statistics.median(r['p99'] for r in runs[reference]):,.0f} ms", verdict)
            if name == "join":
                for r in runs[name]:
                    wrapped = r["requests"] > joiners
                    out(f"    accepted {r['ok']:,}, rows stored {r['stored']:,} (in flight at the stop: "
                        f"{r['stored'] - r['ok']:,}, at most {count}){'; joiners reused: add --joiners' if wrapped else ''}")
                    if not 0 <= r["stored"] - r["ok"] <= count and not wrapped:
                        out(self.style.ERROR("    accepted responses and rows stored disagree"))

    def _wrk(self, name, wave, port, script, keyfile, csrf, seconds, count) -> dict:
        method, path, sessions = {
            "trivial": ("GET", "/bench/trivial/", False),
            "insert": ("POST", "/bench/insert/", True),
            "landing": ("GET", "/", False),
            "wave": ("GET", f"/gelombang/{wave.number}/", False),
            "dashboard": ("GET", "/dasbor/", True),
            "join": ("POST", f"/gelombang/{wave.number}/gabung/", True),
        }[name]
        threads = 2
        command = ["wrk", "-t", str(threads), "-c", str(count), "-d", f"{seconds}s", "--timeout", "10s",
                   "-s", str(script), f"http://127.0.0.1:{port}{path}", "--", method, path, csrf,
                   str(keyfile) if sessions else "-", str(threads)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
        match = re.search(r"RESULT requests=(\d+) duration_us=(\d+) p50=(\d+) p95=(\d+) p99=(\d+) errors=(\d+) "
                          r"codes=(\S*)", done.stdout)
        if not match:
            raise CommandError(f"wrk printed no result: {done.stdout}\n{done.stderr}")
        requests, duration, p50, p95, p99, errors = (int(g) for g in match.groups()[:6])
        codes = {int(c): int(n) for c, n in (pair.split(":") for pair in match.group(7).split(",") if pair)}
        good = 302 if method == "POST" else 200
        return {"requests": requests, "rate": requests / (duration / 1e6), "p50": p50 / 1000, "p95": p95 / 1000,
                "p99": p99 / 1000, "errors": errors, "ok": codes.get(good, 0),
                "bad": sum(n for c, n in codes.items() if c != good)}

    # --- server --------------------------------------------------------------------------------------------

    def _start_server(self, port: int, workers: int, threads: int, tmp: Path) -> subprocess.Popen:
        # SECRET_KEY: the one the stored sessions were signed with (this process's).
        env = {**os.environ, "DEBUG": "False", "SECRET_KEY": settings.SECRET_KEY, "DIGEST_KEY": settings.DIGEST_KEY,
               "SEED_ENCRYPTION_KEY": settings.SEED_ENCRYPTION_KEY, "ALLOWED_HOSTS": "127.0.0.1", "BENCHMARKS": "True",
               "DATABASE_URL": _database_url(), "CONN_MAX_AGE": "60", "SECURE_SSL_REDIRECT": "False",
               "LOG_LEVEL": "WARNING", "RATELIMIT_ENABLE": "True"}
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        log = ROOT / "var" / "bench_surge_gunicorn.log"
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "prakerja.wsgi:application", "-w", str(workers), "--threads",
             str(threads), "-b", f"127.0.0.1:{port}", "--backlog", "4096", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited; see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/trivial/", timeout=2) as response:
                    if response.status == 200:
                        return server
            except OSError:
                time.sleep(0.3)  # waiting for another process to start listening
        server.kill()
        raise CommandError(f"gunicorn did not answer; see {log}")

    # --- data ----------------------------------------------------------------------------------------------

    def _reset(self, wave: Wave) -> None:
        """Untimed: the joiners have not joined (nor been sent their "you joined" mail), the floor table is empty,
        and the drain tasks the joins sent (no worker runs here) are gone from the broker: a later benchmark's
        worker would otherwise run them first."""
        app.control.purge()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Notification._meta.db_table} WHERE wave_id = %s AND registration_id IN "
                           f"(SELECT r.id FROM {Registration._meta.db_table} r JOIN registration_user u"
                           f" ON u.id = r.applicant_id WHERE r.wave_id = %s AND u.email LIKE %s)",
                           [wave.pk, wave.pk, JOINER + "%"])
            cursor.execute(f"DELETE FROM {Registration._meta.db_table} WHERE wave_id = %s AND applicant_id IN "
                           f"(SELECT id FROM registration_user WHERE email LIKE %s)", [wave.pk, JOINER + "%"])
            cursor.execute(f"TRUNCATE {FLOOR_TABLE}")

    def _ensure_data(self, n: int, joiners: int, fresh: bool) -> Wave:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id bigserial PRIMARY KEY, user_id bigint NOT NULL,"
                           f" at timestamptz NOT NULL)")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {META} (what text PRIMARY KEY, size bigint NOT NULL)")
            cursor.execute(f"SELECT what, size FROM {META}")
            have = dict(cursor.fetchall())
        wave = Wave.objects.filter(number=WAVE_NUMBER).first()
        if (fresh or wave is None or not wave.is_accepting() or have.get("registrations") != n
                or have.get("joiners") != joiners):
            wave = self._build(n, joiners)
        return wave

    def _build(self, n: int, joiners: int) -> Wave:
        self.stdout.write(f"building {n:,} registered applicants and {joiners:,} joiners ...")
        reg = Registration._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                # Only generated rows are deleted below, each after what refers to it (the wave's mail, the
                # sessions, the registrations before the accounts). Their foreign-key checks, deferred to the
                # commit (an index probe per deleted row and referencing table), took over 11 minutes for a size
                # change after a full run's 2.1 M accounts; a replica session skips them.
                cursor.execute("SET LOCAL session_replication_role = replica")
            old = Wave.objects.filter(number=WAVE_NUMBER).first()
            if old:
                cursor.execute(f"DELETE FROM {Notification._meta.db_table} WHERE wave_id = %s", [old.pk])
                cursor.execute(f"DELETE FROM {reg} WHERE wave_id = %s", [old.pk])
                cursor.execute("DELETE FROM registration_wavechange WHERE wave_id = %s", [old.pk])
                Wave.objects.filter(pk=old.pk).delete()
            cursor.execute("DELETE FROM django_session WHERE session_key LIKE 'benchsurge%%'")
            cursor.execute("DELETE FROM registration_applicant WHERE user_id IN "
                           "(SELECT id FROM registration_user WHERE email LIKE 'bench-surge-%%')")
            cursor.execute("DELETE FROM registration_user WHERE email LIKE 'bench-surge-%%'")
            now = timezone.now()
            wave = Wave.objects.create(number=WAVE_NUMBER, quota=max(1, n // 2), opens_at=now - dt.timedelta(days=1),
                                       closes_at=now + dt.timedelta(days=60))
            wave = waves.publish_benchmark_wave(wave=wave)
            for prefix, count, nik, phone in ((BACKGROUND, n, "97", "+6287"), (JOINER, joiners, "96", "+6286")):
                cursor.execute(
                    "INSERT INTO registration_user (password, is_superuser, first_name, last_name, is_staff, is_active,"
                    " date_joined, email, email_verified_at) SELECT '!', false, '', '', false, true, now() - interval"
                    " '2 days', %s || i || '@bench.invalid', now() - interval '2 days' FROM generate_series(1, %s) i",
                    [prefix, count])
                # Person i: NIK <nik> + i, family card <nik> + i/3, phone <phone> + i.
                cursor.execute(
                    "INSERT INTO registration_applicant (user_id, nik, kk, full_name, birth_date, phone,"
                    " not_in_formal_education, created_at, updated_at)"
                    " SELECT u.id, %s || lpad(x.i::text, 14, '0'), %s || lpad((x.i / 3)::text, 14, '0'), 'Bench',"
                    " date '1990-01-01', %s || lpad(x.i::text, 9, '0'), true, now(), now()"
                    " FROM registration_user u, LATERAL (SELECT substr(u.email, %s, strpos(u.email, '@') - %s)::bigint"
                    " AS i) x WHERE u.email LIKE %s",
                    [nik, nik, phone, len(prefix) + 1, len(prefix) + 1, prefix + "%"])
            cursor.execute(
                f"INSERT INTO {reg} (wave_id, applicant_id, registered_at, nik_digest, kk_digest)"
                f" SELECT %s, a.user_id, %s::timestamptz + ((hashtext(a.nik) & 65535) * interval '1 second'),"
                f" md5('nik:' || a.nik)::uuid, md5('kk:' || a.kk)::uuid"
                f" FROM registration_applicant a WHERE a.nik LIKE '97%%'", [wave.pk, wave.opens_at])
            for what, size in (("registrations", n), ("joiners", joiners)):
                cursor.execute(f"INSERT INTO {META} VALUES (%s, %s) ON CONFLICT (what) DO UPDATE SET size = "
                               f"EXCLUDED.size", [what, size])
        with connection.cursor() as cursor:
            for table in (reg, "registration_applicant", "registration_user"):
                cursor.execute(f"ANALYZE {table}")  # as autovacuum would after a fill; no VACUUM, no REINDEX
        return wave

    def _warm_session_cache(self) -> None:
        """The joiners' sessions in the cache, as their logins left them (cached_db writes through on login)."""
        from django.contrib.sessions.backends.cached_db import KEY_PREFIX
        from django.core.cache import caches

        store = SessionStore()
        cache = caches[settings.SESSION_CACHE_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT session_key, session_data FROM django_session WHERE session_key LIKE 'benchsurge%%'")
            rows = cursor.fetchall()
        for at in range(0, len(rows), 5_000):
            cache.set_many({KEY_PREFIX + key: store.decode(data) for key, data in rows[at:at + 5_000]},
                           settings.SESSION_COOKIE_AGE)

    def _sessions(self, joiners: int) -> list[str]:
        """A stored session per joiner (as a login would leave), keys 'benchsurge<user id>...'; built once."""
        users = list(User.objects.filter(email__startswith=JOINER).order_by("pk").values_list("pk", "password"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT session_key FROM django_session WHERE session_key LIKE 'benchsurge%%' "
                           "ORDER BY session_key")
            keys = [k for (k,) in cursor.fetchall()]
        if len(keys) == len(users) and keys:
            return keys
        backend = "registration.backends.UserWithApplicantBackend"
        store = SessionStore()
        expire = timezone.now() + dt.timedelta(days=30)
        rows, keys = [], []
        for pk, password in users:
            user = User(pk=pk, password=password)
            key = f"benchsurge{pk:012d}{secrets.token_hex(9)}"
            data = store.encode({"_auth_user_id": str(pk), "_auth_user_backend": backend,
                                 "_auth_user_hash": user.get_session_auth_hash()})
            rows.append((key, data, expire))
            keys.append(key)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_session WHERE session_key LIKE 'benchsurge%%'")
            text = "".join(f"{key}\t{data}\t{expire.isoformat()}\n" for key, data, expire in rows)
            cursor.cursor.copy_expert("COPY django_session (session_key, session_data, expire_date) FROM STDIN",
                                      io.StringIO(text))
        return sorted(keys)


def _which(name: str) -> bool:
    return any((Path(p) / name).exists() for p in os.environ.get("PATH", "").split(os.pathsep))

