"""`python manage.py create_wave NUMBER --quota N --opens "YYYY-MM-DD HH:MM" --closes "..."`: a draft wave (WIB)."""
from __future__ import annotations

import argparse
import datetime as dt

from django.utils.translation import gettext_lazy as _

from eligibility import waves
from prakerja.lib import cli
from prakerja.lib.timefmt import WIB


def wib_moment(value: str) -> dt.datetime:
    """argparse type: "YYYY-MM-DD HH:MM" read in WIB (Asia/Jakarta), whatever the server's zone."""
    try:
        moment = dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise argparse.ArgumentTypeError(cli.bilingual(
            _("“%(value)s” is not a time: give it as YYYY-MM-DD HH:MM in WIB, e.g. 2021-04-01 12:00."),
            {"value": value})) from None
    return moment.replace(tzinfo=WIB)


class Command(cli.Command):
    help = ("Create a draft wave (not public yet; publish it with publish_wave). Times are WIB, as YYYY-MM-DD HH:MM. "
            "Refuses a window in the past or overlapping a published wave.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=cli.wave_number, help="the wave number, e.g. 12")
        parser.add_argument("--quota", type=cli.whole_number, required=True,
                            help="how many recipients, e.g. 600000 or 600.000")
        parser.add_argument("--opens", type=wib_moment, required=True, help="opening time, WIB")
        parser.add_argument("--closes", type=wib_moment, required=True, help="deadline, WIB")

    def handle(self, *args, number: int, quota: int, opens: dt.datetime, closes: dt.datetime, **options) -> None:
        try:
            wave = waves.create_wave(number=number, quota=quota, opens_at=opens, closes_at=closes)
        except waves.WaveError as exc:
            raise cli.refused(exc) from None
        self.stdout.write(self.style.SUCCESS(cli.bilingual(
            _("Wave %(number)s created as a draft; publish it with publish_wave %(number)s."), {"number": wave.number})))
