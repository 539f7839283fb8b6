"""`make bench`: every benchmark of the project, each beside a reference measured in the same run."""
from django.core.management import call_command
from django.core.management.base import BaseCommand

BENCHMARKS = ["bench_list_load", "bench_screening", "bench_report_csv", "bench_surge", "bench_notifications"]


class Command(BaseCommand):
    help = "Run the benchmarks (PostgreSQL). Not part of `make test`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--only", choices=BENCHMARKS, help="run one benchmark")

    def handle(self, *args, only: str | None = None, **options) -> None:
        for name in [only] if only else BENCHMARKS:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name}"))
            call_command(name, stdout=self.stdout, stderr=self.stderr)
