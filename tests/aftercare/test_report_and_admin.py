"""The wave report's after-the-draw section counts appeals, revocations and promotions and lists them masked; the
admin's revoke action asks for a reason on a confirmation page before revoking."""
from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from aftercare import services
from aftercare.models import Appeal, Promotion, Revocation
from registration.models import Registration
from tests.aftercare.conftest import by_rank, drawn_wave, recipients

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(db):
    return drawn_wave(quota=2, people=4)


def test_the_revoke_action_asks_for_a_reason_then_revokes(client, staff, drawn):
    first = by_rank(drawn)[0]
    client.force_login(staff)
    url = reverse("admin:aftercare_recipient_changelist")
    page = client.post(url, {"action": "revoke", ACTION_CHECKBOX_NAME: [first]}).content.decode()
    nik = Registration.objects.get(pk=first).applicant.nik
    assert nik[:4] + "********" + nik[-4:] in page and nik not in page
    assert not Revocation.objects.exists()
    refused = client.post(url, {"action": "revoke", ACTION_CHECKBOX_NAME: [first], "confirm": "yes", "reason": ""})
    assert refused.status_code == 200 and not Revocation.objects.exists()
    client.post(url, {"action": "revoke", ACTION_CHECKBOX_NAME: [first], "confirm": "yes", "reason": "fraud",
                      "note": "joki"})
    revocation = Revocation.objects.get()
    assert (revocation.registration_id, revocation.reason, revocation.by, revocation.note) == (first, "fraud", staff,
                                                                                           "joki")
    assert len(recipients(drawn)) == 2 and Promotion.objects.count() == 1


def test_the_report_counts_and_lists_them_masked(client, staff, drawn):
    first = by_rank(drawn)[0]
    services.revoke_recipient(registration=Registration.objects.get(pk=first), reason="fraud", by=staff)
    Appeal.objects.create(registration=Registration.objects.get(pk=by_rank(drawn)[3]), reason="asn", statement="x")
    client.force_login(staff)
    html = client.get(reverse("reports:wave", args=[20])).content.decode()
    section = html[html.index('id="after-the-draw"'):]
    nik = Registration.objects.get(pk=first).applicant.nik
    assert nik not in section and nik[-4:] in section
    assert 'id="revoked-count">1 ·' in section
    assert 'id="promoted-count">1<' in section
    assert 'id="recipients-count">2 / 2<' in section
    assert "1 diajukan: 0 diterima, 0 ditolak, 1 menunggu" in section
