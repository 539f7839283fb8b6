"""The staff roles (groups made by a migration): each may do its work and nothing else, on every staff URL."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from registration.models import User, Wave
from tests.conftest import PASSWORD
from tests.eligibility.screening.conftest import make_wave
from tests.reports.conftest import build_wave

pytestmark = pytest.mark.django_db

ROLES = ["PMO admin", "Screening operator", "Report viewer", "Complaint handler", "Helpdesk"]
PMO, OPERATOR, VIEWER, COMPLAINTS, HELPDESK = ROLES

# (url name, arguments: "wave" for the wave's number or pk, roles that may open it). Everyone else gets 403.
PAGES = [
    ("admin:index", None, set(ROLES)),
    ("admin:registration_wave_changelist", None, {PMO, OPERATOR, VIEWER, HELPDESK}),
    ("admin:registration_wave_change", "pk", {PMO, OPERATOR, VIEWER, HELPDESK}),
    ("admin:registration_wave_add", None, {PMO, OPERATOR}),
    ("admin:registration_applicant_changelist", None, {PMO, HELPDESK}),
    ("admin:registration_registration_changelist", None, {PMO, HELPDESK}),
    ("admin:registration_user_changelist", None, {PMO, HELPDESK}),
    ("admin:eligibility_exclusionlist_changelist", None, {PMO, OPERATOR}),
    ("admin:eligibility_exclusionlist_upload", None, {PMO, OPERATOR}),
    ("admin:eligibility_exclusionlist_lookup", None, {PMO}),
    ("admin:eligibility_screeningrun_changelist", None, {PMO, OPERATOR, VIEWER}),
    ("admin:complaints_complaint_changelist", None, {PMO, COMPLAINTS}),
    ("admin:complaints_reportedtarget_changelist", None, {PMO, COMPLAINTS}),
    ("admin:complaints_kominfo_csv", None, {PMO, COMPLAINTS}),
    ("admin:reports_auditentry_changelist", None, {PMO}),
    ("admin:staff_personaldatasearch_changelist", None, {PMO}),
    ("admin:staff_lookup", None, {PMO, HELPDESK}),
    ("admin:auth_group_changelist", None, {PMO}),
    ("admin:auth_group_add", None, set()),
    ("admin:otp_totp_totpdevice_changelist", None, {PMO}),
    ("reports:index", None, {PMO, OPERATOR, VIEWER}),
    ("reports:wave", "number", {PMO, OPERATOR, VIEWER}),
    ("reports:results_csv", "number", {PMO, VIEWER}),
    ("reports:summary_csv", "number", {PMO, VIEWER}),
    ("reports:clusters_csv", "number", {PMO, VIEWER}),
]

# Wave actions on the changelist (each first shows its confirmation page): who may run them.
ACTIONS = [("open_waves", {PMO, OPERATOR}), ("close_waves", {PMO, OPERATOR}), ("retry_screening", {PMO, OPERATOR}),
           ("run_selection", {PMO, OPERATOR})]


def _member(role: str) -> User:
    user = User.objects.create_user(email=f"{role.split()[0].lower()}@prakerja.go.id", password=PASSWORD,
                                    is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_the_migration_made_every_role():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "argument", "allowed"), PAGES, ids=[page[0] for page in PAGES])
def test_each_role_opens_only_its_pages(client, role, name, argument, allowed):
    wave = build_wave()
    client.force_login(_member(role))
    kwargs = {} if argument is None else {"number": wave.number} if argument == "number" else {"object_id": wave.pk}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == (200 if role in allowed else 403), (role, name)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "allowed"), ACTIONS, ids=[action for action, _ in ACTIONS])
def test_each_role_runs_only_its_wave_actions(client, role, action, allowed):
    # A wave in the state the action starts from (eligibility.waves.ACTION_MOVES), so that only the role decides.
    if action == "open_waves":
        now = timezone.now()
        wave = Wave.objects.create(number=30, quota=5, opens_at=now + dt.timedelta(days=1),
                                   closes_at=now + dt.timedelta(days=3))
    elif action == "close_waves":
        wave = make_wave(number=30, days_ago=1)
    else:
        wave = build_wave(selected=False)
    before = wave.status
    client.force_login(_member(role))
    response = client.post(reverse("admin:registration_wave_changelist"),
                           {"action": action, "_selected_action": [wave.pk]})
    confirmation = 'name="confirm" value="yes"' in response.content.decode()
    assert confirmation == (role in allowed), (role, action)
    if role not in allowed:  # the changelist again (the action is not offered), or 403
        assert response.status_code in (200, 302, 403)
        assert Wave.objects.get(pk=wave.pk).status == before


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_index_links_each_role_to_the_tools_it_may_use(client, role):
    member = _member(role)
    client.force_login(member)
    html = client.get(reverse("admin:index")).content.decode()
    tools = {
        reverse("aftercare:helpdesk"): "aftercare.use_helpdesk",
        reverse("admin:staff_lookup"): "staff.search_personal_data",
        reverse("admin:eligibility_exclusionlist_lookup"): "eligibility.lookup_nik",
        reverse("reports:index"): "reports.view_wave_report",
    }
    member = User.objects.get(pk=member.pk)  # fresh: no cached permissions
    for url, permission in tools.items():
        assert (f'href="{url}"' in html) == member.has_perm(permission), (role, url)
        if member.has_perm(permission):
            assert client.get(url).status_code == 200, (role, url)  # the link works for whoever sees it
