"""`python manage.py wave_status NUMBER [--wait]`: a wave's state and screening progress; --wait until it ends."""
from __future__ import annotations

import time

from django.utils.translation import gettext_lazy as _

from eligibility import waves
from eligibility.models.screening import ScreeningRun
from eligibility.screening import services
from prakerja.lib import cli
from registration.models import Registration, Wave
from prakerja.lib.timefmt import format_wib


class Command(cli.Command):
    help = ("Show a wave's state, registrations and screening progress. With --wait, keep watching until its "
            "screening ends (done or failed), saying what it waits for (its deadline, an earlier wave's selection, "
            "a worker).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=cli.wave_number, help="the wave number, e.g. 12")
        parser.add_argument("--wait", action="store_true", help="return only when the screening has ended")
        parser.add_argument("--interval", type=cli.positive_count, default=5, help="seconds between looks (--wait)")

    def handle(self, *args, number: int, wait: bool = False, interval: int = 5, **options) -> None:
        wave = cli.get_wave(number)
        self._show(wave)
        if not wait:
            return
        said = None
        while True:
            wave.refresh_from_db()
            run = ScreeningRun.objects.filter(wave=wave).order_by("-pk").first()
            if wave.status in (Wave.Status.SCREENED, Wave.Status.SELECTED):
                self._show(wave)
                return
            if run is not None and run.status == ScreeningRun.Status.FAILED and wave.status == Wave.Status.SCREENING:
                raise cli.command_error(_("The screening of wave %(number)s failed: %(error)s. Fix the cause, then "
                                          "retry_screening %(number)s."), number=number, error=run.error)
            reason = self._waiting_for(wave, run)
            if reason != said:
                self.stdout.write(reason)
                said = reason
            time.sleep(interval)

    def _waiting_for(self, wave: Wave, run: ScreeningRun | None) -> str:
        """Why the screening has not ended yet, in words (changes as the wave moves on)."""
        if wave.status == Wave.Status.DRAFT:
            return cli.bilingual(_("Waiting: wave %(number)s is a draft; publish it first."), {"number": wave.number})
        if wave.status == Wave.Status.OPEN:
            return cli.bilingual(_("Waiting: wave %(number)s accepts registrations until %(closes)s; it is screened "
                                   "once it closes."), {"number": wave.number, "closes": format_wib(wave.closes_at)})
        earlier = waves.unselected_earlier_wave(wave)
        if wave.status == Wave.Status.CLOSED and earlier is not None:
            return cli.bilingual(_("Waiting: the screening of wave %(number)s starts after the selection of wave "
                                   "%(earlier)s (its recipients are prior awardees)."),
                                 {"number": wave.number, "earlier": earlier})
        if wave.status == Wave.Status.CLOSED or run is None or run.status != ScreeningRun.Status.RUNNING:
            return cli.bilingual(_("Waiting: the screening of wave %(number)s is queued for a worker."),
                                 {"number": wave.number})
        progress = services.run_progress(run)
        return cli.bilingual(_("Screening: step 1 %(lists)s/%(total)s, step 2 %(kk)s/%(total)s partitions; "
                               "%(screened)s of %(registrations)s registrations screened."),
                             {"lists": progress["lists_done"], "kk": progress["kk_done"], "total": progress["total"],
                              "screened": progress["screened"], "registrations": run.registration_count})

    def _show(self, wave: Wave) -> None:
        registrations = Registration.objects.filter(wave=wave).count()
        self.stdout.write(cli.bilingual(
            _("Wave %(number)s: %(status)s (%(phase)s). Window %(opens)s – %(closes)s, quota %(quota)s, "
              "%(registrations)s registrations."),
            {"number": wave.number, "status": Wave.Status(wave.status).label, "phase": Wave.Phase(wave.phase()).label,
             "opens": format_wib(wave.opens_at), "closes": format_wib(wave.closes_at), "quota": wave.quota,
             "registrations": registrations}))
        run = ScreeningRun.objects.filter(wave=wave).order_by("-pk").first()
        if run is not None:
            counts = run.outcome_counts or {}
            self.stdout.write(cli.bilingual(
                _("Screening run #%(run)s: %(status)s; eligible %(eligible)s, ineligible %(ineligible)s."),
                {"run": run.pk, "status": ScreeningRun.Status(run.status).label,
                 "eligible": counts.get("eligible", "-"), "ineligible": counts.get("ineligible", "-")}))
