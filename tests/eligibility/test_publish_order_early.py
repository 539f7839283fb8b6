"""A draft that breaks number order is refused before the publish confirmation page (waves.refusal), by the
admin action and the publish_wave command alike, and saving such a draft warns."""
import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from eligibility import waves
from registration.models import Wave

CHANGELIST = reverse("admin:registration_wave_changelist")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def waves_11_and_12(staff):
    now = timezone.now()
    for number, days in ((11, 2), (12, 6)):
        draft = Wave.objects.create(number=number, quota=10, opens_at=now + dt.timedelta(days=days),
                                    closes_at=now + dt.timedelta(days=days + 3))
        waves.publish_wave(wave=draft, by=staff)


def _draft_10() -> Wave:
    now = timezone.now()
    return Wave.objects.create(number=10, quota=10, opens_at=now + dt.timedelta(days=20),
                               closes_at=now + dt.timedelta(days=23))


def test_the_refusal_names_the_number_order(waves_11_and_12):
    refused = waves.refusal("publish", _draft_10())
    assert refused is not None and "Wave 11 is already published" in refused.bilingual()


@pytest.mark.parametrize(("language", "message"), [
    ("id", "Gelombang 11 sudah diterbitkan: gelombang diterbitkan berurutan menurut nomornya"),
    ("en", "Wave 11 is already published: waves are published in number order")])
def test_the_admin_refuses_before_the_confirmation_page(staff_client, waves_11_and_12, language, message):
    draft = _draft_10()
    response = staff_client.post(CHANGELIST, {"action": "open_waves", "_selected_action": [draft.pk]},
                                 HTTP_ACCEPT_LANGUAGE=language, follow=True)
    page = response.content.decode()
    assert message in page
    assert "wave_confirm_action.html" not in [t.name for t in response.templates]
    assert Wave.objects.get(pk=draft.pk).status == Wave.Status.DRAFT


def test_the_admin_still_confirms_a_draft_in_order(staff_client, waves_11_and_12):
    now = timezone.now()
    draft = Wave.objects.create(number=13, quota=10, opens_at=now + dt.timedelta(days=20),
                                closes_at=now + dt.timedelta(days=23))
    response = staff_client.post(CHANGELIST, {"action": "open_waves", "_selected_action": [draft.pk]})
    assert "eligibility/wave_confirm_action.html" in [t.name for t in response.templates]


def test_the_command_refuses_before_asking(waves_11_and_12, capsys):
    draft = _draft_10()
    with pytest.raises(CommandError, match="Wave 11 is already published"):
        call_command("publish_wave", "10")  # no --yes and no terminal: it would stop at the question otherwise
    assert "Publish wave 10" not in capsys.readouterr().out
    assert Wave.objects.get(pk=draft.pk).status == Wave.Status.DRAFT


def test_saving_a_draft_out_of_order_warns(staff_client, waves_11_and_12):
    opens = timezone.localtime(timezone.now() + dt.timedelta(days=20))
    closes = opens + dt.timedelta(days=3)
    response = staff_client.post(reverse("admin:registration_wave_add"), {
        "number": 10, "quota": "10", "opens_at_0": opens.strftime("%Y-%m-%d"), "opens_at_1": "00:00:00",
        "closes_at_0": closes.strftime("%Y-%m-%d"), "closes_at_1": "00:00:00",
        "changes-TOTAL_FORMS": 0, "changes-INITIAL_FORMS": 0}, HTTP_ACCEPT_LANGUAGE="id", follow=True)
    page = response.content.decode()
    assert "Gelombang 10 disimpan sebagai draf, tetapi tidak dapat diterbitkan" in page
    assert Wave.objects.get(number=10).status == Wave.Status.DRAFT
