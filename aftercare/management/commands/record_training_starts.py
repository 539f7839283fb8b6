"""Record the NIKs that started a training (the programme's import), for the periodic revocation."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftercare import services
from registration.models import User


class Command(BaseCommand):
    help = ("Record that the NIKs in FILE (one a line, or a CSV whose first column is `nik`) started a training. "
            "Only keyed digests are kept. Recipients past their deadline whom no import lists are revoked nightly.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--by", help="e-mail of the staff member recorded as importing")

    def handle(self, *args, file, by, **options):
        user = User.objects.filter(email__iexact=by).first() if by else None
        if by and user is None:
            raise CommandError(f"Akun {by} tidak ada. / No account {by}.")
        with open(file, encoding="utf-8-sig") as lines:
            niks, problems = services.parse_nik_lines(lines)
        for line, problem in problems:
            self.stderr.write(f"baris/line {line}: {problem}")
        new = services.record_training_starts(niks=niks, by=user, file_name=Path(file).name, bad_rows=len(problems))
        self.stdout.write(f"Dicatat / recorded: {len(set(niks))} NIK ({new} baru / new); "
                          f"baris ditolak / rows refused: {len(problems)}")
