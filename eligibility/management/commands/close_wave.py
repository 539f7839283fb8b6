"""`python manage.py close_wave NUMBER [--yes] [--by EMAIL]`: close an open wave and enqueue its screening."""
from django.utils.translation import gettext_lazy as _

from eligibility import waves
from prakerja.lib import cli
from registration.models import Wave


class Command(cli.Command):
    help = ("Close an open wave now (as the admin action does) and enqueue its screening. Idempotent. Asks first "
            "unless --yes.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=cli.wave_number, help="the wave number, e.g. 12")
        parser.add_argument("--by", metavar="EMAIL", help="the staff account recorded as having closed the wave")
        cli.add_yes(parser)

    def handle(self, *args, number: int, by: str | None = None, yes: bool = False, **options) -> None:
        wave = cli.get_wave(number)
        staff = cli.staff_account(by) if by else None
        if wave.status == Wave.Status.OPEN:
            cli.confirm(self, waves.statement("close", wave), yes=yes)
        if waves.close_wave(wave=wave, by=staff):
            self.stdout.write(self.style.SUCCESS(cli.bilingual(
                _("Wave %(number)s closed; its screening is queued (follow it with wave_status %(number)s --wait)."),
                {"number": number})))
            earlier = waves.unselected_earlier_wave(wave)
            if earlier is not None:
                self.stdout.write(cli.bilingual(
                    _("Its screening waits for the selection of wave %(earlier)s: the recipients of earlier waves are "
                      "excluded as prior awardees."), {"earlier": earlier}))
        else:
            self.stdout.write(cli.bilingual(_("Wave %(number)s was not open (status: %(status)s); nothing changed."),
                                            {"number": number, "status": Wave.Status(wave.status).label}))
