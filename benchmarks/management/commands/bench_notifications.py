"""`make bench` (via run_benchmarks): the screening results of a wave e-mailed through the outbox, beside
the same messages written straight to the same mail server.

On PostgreSQL only. Builds (once; rebuilt when the size changes or with --fresh) a screened wave of N
registrations: accounts, applicants, registrations and screening results by INSERT ... SELECT
generate_series (one in seven ineligible, with a reason; every other account in English), then the result
notifications by the product's own INSERT ... SELECT (notifications.services.queue_results). Then, with a
local SMTP sink (aiosmtpd, benchmarks/smtpsink.py) running in its own process:

- the outbox: `notifications.services.drain` (the body of the drain task) at no rate limit, claiming
  NOTIFICATION_BATCH rows at a time, rendering each message in its language, one SMTP connection per batch
  and one UPDATE per message sent, until the queue is empty. Every row is reset to `queued` (untimed) first.
- reference: the same messages (rendered by the same code, untimed, a chunk at a time) sent with smtplib in a
  loop over one connection: the mail server's and the wire's own cost.

Each figure is the median of --repeat runs (drain and reference alternating), with the spread (min-max) printed.
Peak memory is this process's maximum resident set (resource.getrusage), read after each phase; the sink's
memory is not in it. Messages per second are the messages the sink took divided by the wall time.
"""
from __future__ import annotations

import datetime as dt
import email.policy
import resource
import smtplib
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from benchmarks import headline
from benchmarks.people import insert_people
from benchmarks.smtpsink import HOST, free_port
from eligibility import waves
from eligibility.models.screening import ScreeningResult
from notifications import services
from notifications.models import Notification
from prakerja.lib import cli
from registration.models import Registration, Wave

WAVE_NUMBER = waves.BENCHMARK_WAVES_FROM + 2  # benchmark waves may be reset (eligibility.waves); bench_screening uses 9100-9199
EMAILS = "bench-notify-%%"
CHUNK = 1_000  # messages rendered at a time for the reference loop


class Command(cli.Command):
    help = "Benchmark: e-mail the screening results of a wave (default 5,000 registrations) to a local SMTP sink."

    def add_arguments(self, parser) -> None:
        # A rate: 5,000 messages measure it (at ~60 messages/s here a million would take hours).
        parser.add_argument("--registrations", type=cli.positive_count, default=5_000)
        parser.add_argument("--repeat", type=cli.positive_count, default=3, help="runs per figure (median)")
        parser.add_argument("--batch", type=cli.positive_count, default=None,
                            help="rows per claim (default NOTIFICATION_BATCH)")
        parser.add_argument("--fresh", action="store_true", help="rebuild the generated data")
        parser.add_argument("--no-reference", action="store_true", help="time the outbox only")

    def handle(self, *args, registrations: int, batch: int | None, fresh: bool, no_reference: bool = False,
               repeat: int = 3, **options) -> None:
        cli.require_postgresql("bench_notifications")
        call_command("migrate", interactive=False, verbosity=0)
        out = self.stdout.write
        batch = batch or settings.NOTIFICATION_BATCH
        started = time.perf_counter()
        wave = self._ensure_data(registrations, fresh)
        out(f"data: {registrations:,} registrations with results and queued result messages "
            f"(ready in {time.perf_counter() - started:.1f} s); median of {repeat} runs (spread min-max)")
        runs = [self._run(wave, registrations, batch, no_reference) for _ in range(repeat)]
        drained = [r["drained"] for r in runs]
        out(f"outbox drain (batches of {batch:,}, no rate limit): {registrations:,} messages in "
            f"{_spread(drained, '.2f')} s = {_spread([registrations / d for d in drained], ',.0f')} messages/s; "
            f"peak memory {max(r['peak'] for r in runs):,.0f} MiB (before the drain {runs[0]['before']:,.0f} MiB)")
        if not no_reference:
            direct, rendering = [r["direct"] for r in runs], [r["rendering"] for r in runs]
            count = runs[0]["direct_count"]
            out(f"reference: smtplib loop, same messages, one connection: {_spread(direct, '.2f')} s "
                f"= {_spread([count / d for d in direct], ',.0f')} messages/s; peak memory {_peak_mib():,.0f} MiB")
            out(f"  rendering those messages (templates, MIME), timed apart: {_spread(rendering, '.2f')} s "
                f"= {_spread([count / r for r in rendering], ',.0f')} messages/s")
            share = [r["direct"] / r["drained"] for r in runs]
            headline.record(f"result e-mails through the outbox, {registrations:,} messages",
                            f"{_spread([registrations / d for d in drained], ',.0f')} messages/s",
                            f"smtplib loop over one connection {_spread([count / d for d in direct], ',.0f')} "
                            f"messages/s", f"{statistics.median(share):.2f}x")
            out(f"  the outbox runs at {statistics.median(share):.0%} ({min(share):.0%}-{max(share):.0%}) of the "
                f"direct loop's rate; its time beyond rendering and sending (claims, one UPDATE per message): "
                f"{statistics.median(max(0.0, r['drained'] - r['direct'] - r['rendering']) for r in runs):.2f} s")

    def _run(self, wave: Wave, registrations: int, batch: int, no_reference: bool) -> dict:
        """One timed drain (and its reference), on a queue reset untimed first."""
        self._reset(wave)
        port = free_port(8050, 8059)
        sink = _start_sink(port)
        try:
            before = _peak_mib()
            t = time.perf_counter()
            totals = services.drain(rate=1e12, batch=batch, budget_seconds=float("inf"),
                                    connection_factory=lambda: _sink_mailer(port))
            run = {"drained": time.perf_counter() - t, "peak": _peak_mib(), "before": before}
            if not no_reference:
                run["direct"], run["rendering"], run["direct_count"] = self._direct(wave, port)
        finally:
            taken = _stop_sink(sink)
        if totals["sent"] != registrations or totals["more"]:
            raise CommandError(f"the outbox sent {totals['sent']:,} of {registrations:,}: {totals}")
        expected = registrations * (1 if no_reference else 2)
        if taken != expected:
            raise CommandError(f"the sink took {taken:,} messages, expected {expected:,}")
        return run

    # --- data ------------------------------------------------------------------------------------------

    def _ensure_data(self, n: int, fresh: bool) -> Wave:
        wave = Wave.objects.filter(number=WAVE_NUMBER).first()
        if not fresh and wave is not None and Notification.objects.filter(wave=wave).count() == n:
            return wave
        self.stdout.write(f"building {n:,} accounts, applicants, registrations, results and messages ...")
        registration, result, outbox = (Registration._meta.db_table, ScreeningResult._meta.db_table,
                                        Notification._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            if wave is not None:
                for table in (outbox, result, registration):
                    cursor.execute(f"DELETE FROM {table} WHERE wave_id = %s", [wave.pk])
                Wave.objects.filter(pk=wave.pk).delete()
            cursor.execute("DELETE FROM registration_applicant WHERE user_id IN "
                           f"(SELECT id FROM registration_user WHERE email LIKE '{EMAILS}')")
            cursor.execute(f"DELETE FROM registration_user WHERE email LIKE '{EMAILS}'")
            now = timezone.now()
            wave = Wave.objects.create(number=WAVE_NUMBER, quota=max(1, n // 2),
                                       opens_at=now - dt.timedelta(days=30),
                                       closes_at=now - dt.timedelta(days=1))
            wave = waves.publish_benchmark_wave(wave=wave)
            # Person i: account bench-notify-i, every other one in English.
            insert_people(cursor, email_prefix="bench-notify-", nik_prefix="98", count=n)
            cursor.execute("UPDATE registration_user SET language = 'en' WHERE email LIKE %s AND id %% 2 = 0",
                           ["bench-notify-%"])
            cursor.execute(
                f"INSERT INTO {registration} (wave_id, applicant_id, registered_at, nik_digest, kk_digest)"
                f" SELECT %s, a.user_id, %s, md5('nik:' || a.nik)::uuid, md5('kk:' || a.kk)::uuid"
                f" FROM registration_applicant a JOIN registration_user u ON u.id = a.user_id"
                f" WHERE u.email LIKE '{EMAILS}'", [wave.pk, wave.opens_at])
            # One in seven on the social-assistance list: those messages carry a reason in plain words.
            cursor.execute(
                f"INSERT INTO {result} (registration_id, wave_id, status, reasons)"
                f" SELECT r.id, r.wave_id, CASE WHEN r.id %% 7 = 0 THEN %s ELSE %s END,"
                f" CASE WHEN r.id %% 7 = 0 THEN 'bansos' ELSE '' END FROM {registration} r WHERE r.wave_id = %s",
                [ScreeningResult.Status.INELIGIBLE, ScreeningResult.Status.ELIGIBLE, wave.pk])
            services.queue_results(wave_id=wave.pk, kick=False)  # the product's INSERT ... SELECT
        with connection.cursor() as cursor:
            for table in (registration, result, outbox, "registration_applicant", "registration_user"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        return wave

    def _reset(self, wave: Wave) -> None:
        """Untimed: every message of the wave queued again, none claimed or sent. The drain sends whatever is
        queued: messages other benchmarks left queued (bench_surge's joins, with no worker running) are deleted
        first; a queued message of a real wave stops the benchmark."""
        table = Notification._meta.db_table
        others = Notification.objects.filter(status=Notification.Status.QUEUED).exclude(wave=wave)
        if others.filter(wave__number__lt=waves.BENCHMARK_WAVES_FROM).exists():
            raise CommandError("this database holds queued messages of real waves: use a benchmark database")
        others.delete()
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET status = %s, available_at = %s, claimed_at = NULL, sent_at = NULL,"
                           f" attempts = 0, error = '' WHERE wave_id = %s",
                           [Notification.Status.QUEUED, timezone.now(), wave.pk])
            cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("CHECKPOINT")

    # --- reference -------------------------------------------------------------------------------------

    def _direct(self, wave: Wave, port: int) -> tuple[float, float, int]:
        """The same messages, rendered a chunk at a time, sent with smtplib over one connection. Returns
        (seconds sending, seconds rendering, messages): rendering is timed apart, the drain's share of it."""
        rows = (Notification.objects.filter(wave=wave).order_by("pk")
                .select_related("user", "registration__wave", "registration__applicant", "registration__result"))
        elapsed, rendering, sent = 0.0, 0.0, 0
        server = smtplib.SMTP(HOST, port, timeout=60)
        try:
            last = 0
            while True:
                chunk = list(rows.filter(pk__gt=last)[:CHUNK])
                if not chunk:
                    break
                last = chunk[-1].pk
                t = time.perf_counter()
                messages = [services.render(row) for row in chunk]
                wire = [(m.from_email, m.recipients(), m.message(policy=email.policy.SMTP).as_bytes())
                        for m in messages]
                rendering += time.perf_counter() - t
                t = time.perf_counter()
                for sender, recipients, data in wire:
                    server.sendmail(sender, recipients, data)
                elapsed += time.perf_counter() - t
                sent += len(wire)
        finally:
            server.quit()
        return elapsed, rendering, sent


def _sink_mailer(port: int) -> EmailBackend:
    """The SMTP backend the product's mailer would be, pointed at the sink (a named alias: Django 6.1's MAILERS)."""
    return EmailBackend(alias="bench-sink", host=HOST, port=port, timeout=60)


def _spread(values: list[float], spec: str) -> str:
    """`median (min-max)` (benchmarks.headline.spread)."""
    return headline.spread(values, spec)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen([sys.executable, "-m", "benchmarks.smtpsink", str(port)], cwd=Path(settings.BASE_DIR),
                            stdout=subprocess.PIPE, text=True)
    if sink.stdout.readline().strip() != "ready":
        sink.kill()
        raise CommandError("the SMTP sink did not start")
    return sink


def _stop_sink(sink: subprocess.Popen) -> int:
    """Stop the sink; returns how many messages it took."""
    sink.terminate()
    output, _ = sink.communicate(timeout=30)
    return int(output.strip() or 0)
