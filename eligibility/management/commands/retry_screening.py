"""`python manage.py retry_screening NUMBER [--yes] [--by EMAIL]`: screen a wave again (after a failure, say)."""
from django.utils.translation import gettext_lazy as _

from eligibility import waves
from eligibility.screening import services
from prakerja.lib import cli


class Command(cli.Command):
    help = ("Screen a closed, screening or screened wave again with the active lists, as the admin's Retry "
            "screening does: a running run is cancelled, the new run's results replace the old. Asks first unless --yes.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=cli.wave_number, help="the wave number, e.g. 12")
        parser.add_argument("--by", metavar="EMAIL", help="the staff account recorded as having started the run")
        cli.add_yes(parser)

    def handle(self, *args, number: int, by: str | None = None, yes: bool = False, **options) -> None:
        wave = cli.get_wave(number)
        staff = cli.staff_account(by) if by else None
        refused = waves.refusal("retry", wave)
        if refused is not None:
            raise cli.refused(refused)
        cli.confirm(self, waves.statement("retry", wave), yes=yes)
        try:
            run = services.start_screening(wave=wave, by=staff, restart=True)
        except services.ScreeningError as exc:
            raise cli.refused(exc) from None
        self.stdout.write(self.style.SUCCESS(cli.bilingual(
            _("Wave %(number)s: screening run #%(run)s queued; follow it with wave_status %(number)s --wait."),
            {"number": number, "run": run.pk})))
