"""Revoke, in bulk, the recipients of a wave listed in a file of NIKs, and fill their places from the reserve."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aftercare import services
from aftercare.models import RevocationReason
from registration.models import User, Wave


class Command(BaseCommand):
    help = ("Revoke the recipients of wave NUMBER whose NIKs are in FILE (one a line, or a CSV whose first column is "
            "`nik`) for REASON, and fill the places from the reserve in rank order.")

    def add_arguments(self, parser):
        parser.add_argument("number", type=int)
        parser.add_argument("file")
        parser.add_argument("reason", choices=RevocationReason.values)
        parser.add_argument("--note", default="")
        parser.add_argument("--by", help="e-mail of the staff member recorded as revoking")

    def handle(self, *args, number, file, reason, note, by, **options):
        wave = Wave.objects.filter(number=number).first()
        if wave is None:
            raise CommandError(f"Gelombang {number} tidak ada. / Wave {number} does not exist.")
        user = User.objects.filter(email__iexact=by).first() if by else None
        if by and user is None:
            raise CommandError(f"Akun {by} tidak ada. / No account {by}.")
        with open(file, encoding="utf-8-sig") as lines:
            niks, problems = services.parse_nik_lines(lines)
        for line, problem in problems:
            self.stderr.write(f"baris/line {line}: {problem}")
        revoked, others = services.revoke_niks(wave=wave, niks=niks, reason=reason, by=user, note=note)
        promoted = wave.promotions.count()
        self.stdout.write(f"Dicabut / revoked: {revoked}; bukan penerima / not recipients: {others}; "
                          f"baris ditolak / rows refused: {len(problems)}; "
                          f"dipromosikan (total gelombang) / promoted (wave total): {promoted}")
