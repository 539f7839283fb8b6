"""`python manage.py close_wave NUMBER [--by EMAIL]`: close an open wave and enqueue its screening."""
from django.utils.translation import gettext_lazy as _

from eligibility.waves import close_wave
from prakerja.lib import cli
from registration.models import Wave


class Command(cli.Command):
    help = "Close an open wave now (as the admin action does) and enqueue its screening. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=cli.wave_number, help="the wave number, e.g. 12")
        parser.add_argument("--by", metavar="EMAIL", help="the staff account recorded as having closed the wave")

    def handle(self, *args, number: int, by: str | None = None, **options) -> None:
        wave = cli.get_wave(number)
        staff = cli.staff_account(by) if by else None
        if close_wave(wave=wave, by=staff):
            self.stdout.write(self.style.SUCCESS(cli.bilingual(
                _("Wave %(number)s closed; its screening is queued."), {"number": number})))
        else:
            self.stdout.write(cli.bilingual(_("Wave %(number)s was not open (status: %(status)s); nothing changed."),
                                            {"number": number, "status": Wave.Status(wave.status).label}))
