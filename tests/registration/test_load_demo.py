import datetime as dt
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from registration.management.commands.load_demo import STAFF_EMAIL, STAFF_PASSWORD
from eligibility.models import ExclusionList
from registration.models import User, Wave

WIB = ZoneInfo("Asia/Jakarta")


@time_machine.travel(dt.datetime(2021, 2, 20, 9, 0, tzinfo=WIB), tick=False)
def test_it_loads_an_open_wave_and_a_staff_account_once(db, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)  # `make run` runs it every time: nothing is duplicated

    past = Wave.objects.get(number=11)
    assert past.status == Wave.Status.CLOSED and past.registrations.count() == 120
    assert ExclusionList.objects.active().get().row_count == 18  # every seventh demo applicant is on the ASN list
    wave = Wave.objects.get(number=12)
    assert wave.is_accepting()
    assert wave.seed_commitment and wave.status == Wave.Status.OPEN
    assert wave.closes_at.astimezone(WIB) == dt.datetime(2021, 2, 23, 12, 0, tzinfo=WIB)
    # The demo applicants printed can log in with the printed password, to see their dashboards.
    printed = re.search(r"Demo applicants \(password (\S+)\) at \S+ : (\S+) \(on the ASN list\), (\S+)", out.getvalue())
    password, *emails = printed.groups()
    for email in emails:
        assert User.objects.get(email=email).check_password(password)
    staff = User.objects.get(email=STAFF_EMAIL)
    assert staff.is_superuser and staff.check_password(STAFF_PASSWORD)
    assert User.objects.count() == 121 and Wave.objects.count() == 2
    assert STAFF_PASSWORD in out.getvalue() and "12.00 WIB" in out.getvalue()


@pytest.mark.parametrize(("days", "advice"), [
    (3, "Past wave 11: 120 registrations, closed; the worker screens it. Its selection waits 3 days for appeals: "
        "to draw it now, stop and start again with `APPEAL_WINDOW_DAYS=0 make run`, then run the selection in "
        "the admin."),
    (0, "Past wave 11: 120 registrations, closed; the worker screens it, then run the selection in the admin."),
])
def test_it_says_how_to_run_the_past_wave_s_selection(db, settings, days, advice):
    # The selection waits for the appeal window (docs/DOMAIN.md); the README's advice for the demo.
    settings.DEBUG, settings.APPEAL_WINDOW_DAYS = True, days
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert advice in out.getvalue()


def test_it_refuses_to_load_demo_data_in_production(db, settings):
    settings.DEBUG = False
    err = StringIO()
    call_command("load_demo", stdout=StringIO(), stderr=err)
    assert not Wave.objects.exists() and not User.objects.exists()
    assert "DEBUG" in err.getvalue()
