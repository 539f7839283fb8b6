"""Compare every drawn wave's kept recipients and reserve with a live recount, and repair them on request."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aftercare import services


class Command(BaseCommand):
    help = ("Compare the recipients and reserve kept for each drawn wave (the report's figures) with a count of its "
            "results; exit 1 when one differs. --repair stores the counted figures. Scans every drawn wave.")

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="store the counted figures where they differ")

    def handle(self, *args, repair, **options):
        drifted = services.verify_wave_counts(repair=repair)
        for wave, kept, live in drifted:
            self.stdout.write(f"gelombang/wave {wave.number}: tersimpan/kept {kept}, dihitung/counted {live}"
                              f"{' -> diperbaiki/repaired' if repair else ''}")
        if drifted and not repair:
            raise CommandError(f"{len(drifted)} gelombang berbeda / waves differ: run with --repair")
        self.stdout.write(f"OK: {len(drifted)} diperbaiki / repaired" if repair else "OK")
