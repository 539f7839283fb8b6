"""`python manage.py select_awardees NUMBER`: run the quota lottery of a screened wave."""
from django.core.management.base import BaseCommand, CommandError

from eligibility.services import ScreeningError, select_awardees
from registration.models import Wave


class Command(BaseCommand):
    help = ("Rank the eligible registrations of a screened wave by SHA-256 of 'seed:NIK', select the first "
            "`quota`, and reveal the seed. Selecting twice changes nothing.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=int, help="the wave number, e.g. 12")

    def handle(self, *args, number: int, **options) -> None:
        try:
            wave = Wave.objects.get(number=number)
        except Wave.DoesNotExist:
            raise CommandError(f"There is no wave {number}.") from None
        try:
            selected = select_awardees(wave=wave, by=None)
        except ScreeningError as exc:
            raise CommandError(str(exc)) from None
        wave.refresh_from_db()
        self.stdout.write(self.style.SUCCESS(
            f"Wave {number}: {selected} selected (quota {wave.quota}). Seed {wave.seed} "
            f"(commitment {wave.seed_commitment})."
        ))
