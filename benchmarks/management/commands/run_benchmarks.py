"""`make bench`: every benchmark of the project, each beside a reference measured in the same run."""
import datetime as dt
import os
import platform

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from benchmarks import headline

BENCHMARKS = ["bench_list_load", "bench_screening", "bench_report_csv", "bench_surge", "bench_notifications"]

# Screening at three sizes, so that the curve against the bare join shows: registrations x list entries.
SCREENING_SIZES = [(1_000_000, 10_000_000), (4_000_000, 10_000_000), (6_000_000, 20_000_000)]


class Command(BaseCommand):
    help = "Run the benchmarks (PostgreSQL). Not part of `make test`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--only", choices=BENCHMARKS, help="run one benchmark")

    def handle(self, *args, only: str | None = None, **options) -> None:
        headline.clear()
        started = dt.datetime.now(dt.UTC)
        for name in [only] if only else BENCHMARKS:
            if name == "bench_screening":
                for registrations, entries in SCREENING_SIZES:
                    self.stdout.write(self.style.MIGRATE_HEADING(f"== {name} {registrations:,} x {entries:,}"))
                    call_command(name, registrations=registrations, entries=entries,
                                 stdout=self.stdout, stderr=self.stderr)
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name}"))
            call_command(name, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.MIGRATE_HEADING("== every headline figure (the README's table)"))
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgresql = cursor.fetchone()[0]
        self.stdout.write(f"{started:%Y-%m-%d %H:%M}-{dt.datetime.now(dt.UTC):%H:%M} UTC; {os.cpu_count()} CPUs, "
                          f"PostgreSQL {postgresql}, Python {platform.python_version()}; load average at the end "
                          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        self.stdout.write(headline.markdown())
