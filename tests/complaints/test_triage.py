"""Staff triage in the admin: statuses move only through admin actions calling services, each change recorded
with who, when, the old and the new status, and shown on the change page; notes are added, never edited."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintNote, ReportedTarget, TriageStatus

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:complaints_complaint_changelist")


def _file(address: str = "prakerja-daftar.com", email: str = "pelapor@example.com") -> Complaint:
    return services.file_complaint(kind=Complaint.Kind.FAKE_WEBSITE, address=address,
                                   description="It asked for my OTP.", reporter_email=email,
                                   reporter_phone="+6281234567890")


def _act(client, action: str, *complaints: Complaint):
    return client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in complaints]}, follow=True)


def test_it_records_who_changed_the_status_when_from_what_to_what(client, staff):
    with time_machine.travel(dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC), tick=False):
        complaint = _file()
    client.force_login(staff)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), tick=False):
        _act(client, "mark_in_review", complaint)
    with time_machine.travel(dt.datetime(2026, 3, 3, 14, 0, tzinfo=dt.UTC), tick=False):
        _act(client, "mark_forwarded_kominfo", complaint)

    complaint.refresh_from_db()
    assert complaint.status == TriageStatus.FORWARDED_KOMINFO
    records = list(complaint.history.order_by("history_date", "history_id"))
    changes = [(r.prev_record.status if r.prev_record else None, r.status, r.history_user, r.history_date)
               for r in records]
    assert changes[1:] == [
        (TriageStatus.NEW, TriageStatus.IN_REVIEW, staff, dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)),
        (TriageStatus.IN_REVIEW, TriageStatus.FORWARDED_KOMINFO, staff, dt.datetime(2026, 3, 3, 14, 0, tzinfo=dt.UTC)),
    ]
    # Filed on the public form: no staff user.
    assert changes[0][:3] == (None, TriageStatus.NEW, None)
    # The reporter's contact never reaches the history tables.
    assert not hasattr(records[0], "reporter_email")


def test_it_shows_the_history_on_the_change_page(client, staff):
    complaint = _file()
    services.change_status(complaint=complaint, to=TriageStatus.FORWARDED_BARESKRIM, by=staff, note="LP/B/123/2026")
    client.force_login(staff)

    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'class="status-history"' in page
    assert "pmo@prakerja.go.id" in page and "Forwarded to Bareskrim" in page and "LP/B/123/2026" in page


def test_it_refuses_a_move_the_workflow_does_not_allow(client, staff):
    complaint = _file()
    services.change_status(complaint=complaint, to=TriageStatus.CLOSED, by=staff)
    client.force_login(staff)

    response = _act(client, "mark_forwarded_kominfo", complaint)

    assert Complaint.objects.get(pk=complaint.pk).status == TriageStatus.CLOSED
    assert complaint.history.count() == 2
    assert "cannot go from" in response.content.decode() or "tidak dapat" in response.content.decode()
    with pytest.raises(services.ComplaintError):
        services.change_status(complaint=complaint, to=TriageStatus.CLOSED, by=staff)


def test_it_moves_many_complaints_at_once_and_tells_the_target(client, staff):
    first, second = _file(), _file(address="https://prakerja-daftar.com/")
    client.force_login(staff)

    _act(client, "mark_forwarded_kominfo", first, second)

    assert set(Complaint.objects.values_list("status", flat=True)) == {TriageStatus.FORWARDED_KOMINFO}
    target = ReportedTarget.objects.get()
    assert target.status == TriageStatus.FORWARDED_KOMINFO and target.kominfo_forwarded_at is not None


def test_it_offers_no_free_edit_of_the_status(client, staff):
    complaint = _file()
    client.force_login(staff)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])

    page = client.get(url).content.decode()
    client.post(url, {"status": TriageStatus.CLOSED, "notes-TOTAL_FORMS": "0", "notes-INITIAL_FORMS": "0"})

    assert 'name="status"' not in page
    assert Complaint.objects.get(pk=complaint.pk).status == TriageStatus.NEW


def test_it_adds_notes_with_their_author_and_never_edits_them(client, staff):
    complaint = _file()
    client.force_login(staff)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])

    response = client.post(url, {"notes-TOTAL_FORMS": "1", "notes-INITIAL_FORMS": "0",
                                 "notes-0-text": "Situs masih aktif, tangkapan layar dilampirkan."})

    assert response.status_code == 302
    note = ComplaintNote.objects.get()
    assert (note.author, note.text) == (staff, "Situs masih aktif, tangkapan layar dilampirkan.")
    page = client.get(url).content.decode()
    assert 'name="notes-0-text"' not in page  # the saved note is shown read-only
    assert complaint.history.count() == 1  # a note is not a status change


def test_it_masks_the_reporter_contact_without_the_permission(client, staff, viewer):
    from django.contrib.auth.models import Permission

    complaint = _file()
    viewer.user_permissions.add(Permission.objects.get(codename="view_complaint"))
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])

    client.force_login(viewer)
    masked = client.get(url).content.decode()
    client.force_login(staff)
    full = client.get(url).content.decode()

    assert "pelapor@example.com" not in masked and "p***@example.com" in masked
    assert "+6281234567890" not in masked
    assert "pelapor@example.com" in full and "+6281234567890" in full


def test_it_masks_the_reporting_account_without_the_permission(client, staff, viewer, applicant):
    from django.contrib.auth.models import Permission

    complaint = services.file_complaint(kind=Complaint.Kind.JOKI, address="0812 9999 8888",
                                       description="Offered to register me for Rp 100.000.",
                                       reporter_email=applicant.user.email, filed_by=applicant.user)
    viewer.user_permissions.add(Permission.objects.get(codename="view_complaint"))
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    client.force_login(viewer)
    masked = client.get(url).content.decode()
    client.force_login(staff)
    full = client.get(url).content.decode()
    assert applicant.user.email not in masked and "s***@example.com" in masked
    assert applicant.user.email in full


@pytest.mark.parametrize("lookup", ["reporter_email__startswith=pel", "reporter_phone__endswith=7890",
                                    "filed_by__email__startswith=pel"])
def test_the_reporter_contact_cannot_be_probed_through_url_filters(client, staff, viewer, lookup):
    from django.contrib.auth.models import Permission

    complaint = _file()
    viewer.user_permissions.add(Permission.objects.get(codename="view_complaint"))
    client.force_login(viewer)
    assert client.get(f"{CHANGELIST}?{lookup}").status_code == 400
    if lookup.startswith("filed_by__"):
        return  # Django refuses filters across relations that are not list filters, for everyone
    client.force_login(staff)  # holds view_reporter_contact
    response = client.get(f"{CHANGELIST}?{lookup}")
    assert response.status_code == 200 and complaint.reference in response.content.decode()


def test_it_lets_only_staff_with_change_permission_act(client, viewer):
    from django.contrib.auth.models import Permission

    complaint = _file()
    viewer.user_permissions.add(Permission.objects.get(codename="view_complaint"))
    client.force_login(viewer)

    _act(client, "mark_in_review", complaint)

    assert Complaint.objects.get(pk=complaint.pk).status == TriageStatus.NEW


def test_it_lists_the_triage_queue_in_few_queries(client, staff, django_assert_max_num_queries):
    for n in range(15):
        _file(address=f"prakerja-{n}.com")
    client.force_login(staff)

    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST + "?status__exact=new")

    assert response.status_code == 200
    assert timezone.now()


def test_it_changes_the_status_from_the_change_page_with_a_note(client, staff):
    complaint = _file()
    client.force_login(staff)
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert 'value="forwarded_kominfo"' in page and 'value="new"' not in page

    client.post(reverse("admin:complaints_complaint_status", args=[complaint.pk]),
                {"to": TriageStatus.FORWARDED_KOMINFO, "note": "Surat ke Kominfo no. 12/2026"})

    complaint.refresh_from_db()
    assert complaint.status == TriageStatus.FORWARDED_KOMINFO
    latest = complaint.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (staff, "Surat ke Kominfo no. 12/2026")
    assert ComplaintNote.objects.get().text == "Surat ke Kominfo no. 12/2026"


def test_it_refuses_the_change_page_buttons_without_change_permission(client, viewer):
    from django.contrib.auth.models import Permission

    complaint = _file()
    viewer.user_permissions.add(Permission.objects.get(codename="view_complaint"))
    client.force_login(viewer)
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()

    response = client.post(reverse("admin:complaints_complaint_status", args=[complaint.pk]),
                           {"to": TriageStatus.CLOSED})

    assert "complaint-status-form" not in page
    assert response.status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).status == TriageStatus.NEW
