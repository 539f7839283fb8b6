"""`python manage.py close_wave NUMBER [--by EMAIL]`: close an open wave and enqueue its screening."""
from django.core.management.base import BaseCommand, CommandError

from eligibility.services import close_wave
from registration.models import User, Wave


class Command(BaseCommand):
    help = "Close an open wave now (as the admin action does) and enqueue its screening. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=int, help="the wave number, e.g. 12")
        parser.add_argument("--by", metavar="EMAIL", help="the staff account recorded as having closed the wave")

    def handle(self, *args, number: int, by: str | None = None, **options) -> None:
        try:
            wave = Wave.objects.get(number=number)
        except Wave.DoesNotExist:
            raise CommandError(f"There is no wave {number}.") from None
        staff = None
        if by:
            staff = User.objects.filter(email__iexact=by, is_staff=True).first()
            if staff is None:
                raise CommandError(f"--by {by}: no staff account with this e-mail.")
        if close_wave(wave=wave, by=staff):
            self.stdout.write(self.style.SUCCESS(f"Wave {number} closed; its screening is queued."))
        else:
            self.stdout.write(f"Wave {number} was not open (status: {wave.status}); nothing changed.")
