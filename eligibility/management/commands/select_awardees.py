"""`python manage.py select_awardees NUMBER [--yes] [--by EMAIL]`: run the quota lottery of a screened wave."""
from django.utils.translation import gettext_lazy as _

from eligibility.screening.sql import ScreeningError
from eligibility import waves
from prakerja.lib import cli


class Command(cli.Command):
    help = ("Rank the eligible registrations of a screened wave by SHA-256 of 'seed:NIK', select the first "
            "`quota`, and reveal the seed. Selecting twice changes nothing. Asks first unless --yes.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=cli.wave_number, help="the wave number, e.g. 12")
        parser.add_argument("--by", metavar="EMAIL", help="the staff account recorded as having run the selection")
        cli.add_yes(parser)

    def handle(self, *args, number: int, by: str | None = None, yes: bool = False, **options) -> None:
        wave = cli.get_wave(number)
        staff = cli.staff_account(by) if by else None
        # Drawn already: say so, never a second "selected" line. Screened: refused before the question when the
        # draw waits (appeals, an earlier wave). Otherwise the service says what the wave still needs.
        if wave.status in (wave.Status.SELECTED, wave.Status.SCREENED):
            refused = waves.refusal("select", wave)
            if refused is not None:
                raise cli.refused(refused)
        if wave.status == wave.Status.SCREENED:
            cli.confirm(self, waves.statement("select", wave), yes=yes)
        try:
            selected = waves.select_awardees(wave=wave, by=staff)
        except ScreeningError as exc:
            raise cli.refused(exc) from None
        wave.refresh_from_db()
        self.stdout.write(self.style.SUCCESS(cli.bilingual(
            _("Wave %(number)s: %(selected)s selected (quota %(quota)s). Seed %(seed)s (commitment %(commitment)s)."),
            {"number": number, "selected": selected, "quota": wave.quota, "seed": wave.seed,
             "commitment": wave.seed_commitment},
        )))
