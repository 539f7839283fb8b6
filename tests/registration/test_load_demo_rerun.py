"""A re-run of `make run` (load_demo) after the demo wave was closed says why no wave opens, in both languages."""
import datetime as dt
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from eligibility import waves
from eligibility.screening import tasks
from registration.models import Wave

WIB = ZoneInfo("Asia/Jakarta")


def test_it_explains_in_indonesian_and_english_why_no_demo_wave_opens(db, settings):
    settings.DEBUG = True
    with time_machine.travel(dt.datetime(2021, 2, 20, 9, 0, tzinfo=WIB), tick=False), \
            mock.patch.object(tasks.screen_wave, "delay_on_commit"):
        call_command("load_demo", stdout=StringIO())
        waves.close_wave(wave=Wave.objects.get(number=12), by=None)  # staff closed the demo wave early
        err = StringIO()
        call_command("load_demo", stdout=StringIO(), stderr=err)
    message = err.getvalue()
    assert "Tidak ada gelombang demo yang dibuka / No open demo wave: " in message
    indonesian, english = message.split("No open demo wave: ")[1].split(" / ", 1)
    assert "gelombang" in indonesian.lower() and "wave" in english.lower() and indonesian != english
    assert Wave.objects.count() == 2  # no draft left behind


def test_every_run_prints_the_demo_applicants(db, settings):
    settings.DEBUG = True
    outputs = []
    with time_machine.travel(dt.datetime(2021, 2, 20, 9, 0, tzinfo=WIB), tick=False), \
            mock.patch.object(tasks.screen_wave, "delay_on_commit"):
        for _ in range(2):
            out = StringIO()
            call_command("load_demo", stdout=out, stderr=StringIO())
            outputs.append(out.getvalue())
    for output in outputs:
        line = next(line for line in output.splitlines() if line.startswith("Demo applicants"))
        assert "password prakerja-demo-2021" in line
        assert "peserta1@demo.prakerja.local" in line and "peserta2@demo.prakerja.local" in line
    assert outputs[1].count("Past wave 11") == 0  # the second run created nothing


def test_a_database_without_demo_applicants_prints_no_demo_line(db, settings):
    settings.DEBUG = True
    Wave.objects.create(number=30, quota=5, opens_at=dt.datetime(2020, 1, 1, tzinfo=WIB),
                        closes_at=dt.datetime(2020, 1, 5, tzinfo=WIB))
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO())
    assert "Demo applicants" not in out.getvalue()
