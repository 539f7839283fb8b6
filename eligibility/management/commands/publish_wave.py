"""`python manage.py publish_wave NUMBER [--yes] [--by EMAIL]`: publish a draft wave (draws its lottery seed)."""
from django.utils.translation import gettext_lazy as _

from eligibility import waves
from prakerja.lib import cli
from registration.models import Wave


class Command(cli.Command):
    help = ("Publish a draft wave, as the admin action does: it accepts registrations in its window, its seed "
            "commitment is public, and its number, seed and opening time are frozen. Asks first unless --yes.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=cli.wave_number, help="the wave number, e.g. 12")
        parser.add_argument("--by", metavar="EMAIL", help="the staff account recorded as having published the wave")
        cli.add_yes(parser)

    def handle(self, *args, number: int, by: str | None = None, yes: bool = False, **options) -> None:
        wave = cli.get_wave(number)
        staff = cli.staff_account(by) if by else None
        if wave.status != Wave.Status.DRAFT:
            self.stdout.write(cli.bilingual(_("Wave %(number)s is already published (status: %(status)s); nothing "
                                              "changed."), {"number": number, "status": Wave.Status(wave.status).label}))
            return
        refused = waves.refusal("publish", wave)
        if refused is not None:  # said before the statement, not after a confirmation
            raise cli.refused(refused)
        cli.confirm(self, waves.statement("publish", wave), yes=yes)
        try:
            wave = waves.publish_wave(wave=wave, by=staff)
        except waves.WaveError as exc:
            raise cli.refused(exc) from None
        self.stdout.write(self.style.SUCCESS(cli.bilingual(
            _("Wave %(number)s published; seed commitment %(commitment)s."),
            {"number": number, "commitment": wave.seed_commitment})))
