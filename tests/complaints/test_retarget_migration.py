"""The data migrations re-point old complaints at the targets today's rules give their addresses."""
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from complaints.models import Complaint, ReportedTarget, TriageStatus, new_reference

pytestmark = pytest.mark.django_db

retarget = importlib.import_module("complaints.migrations._retarget").retarget


def old_complaint(target, address):
    return Complaint.objects.create(reference=new_reference(), kind=Complaint.Kind.JOKI, target=target,
                                    address_as_reported=address, description="x", reporter_email="a@example.com")


def test_it_splits_a_platform_target_and_merges_two_spellings_of_one_number():
    platform = ReportedTarget.objects.create(kind="website", address="telegra.ph", report_count=2,
                                             status=TriageStatus.IN_REVIEW, status_changed_at=timezone.now())
    old_complaint(platform, "https://telegra.ph/Harga-Joki-03-12")
    old_complaint(platform, "https://telegra.ph/Daftar-Cepat-04-01")
    one = ReportedTarget.objects.create(kind="phone", address="6282271501234")
    two = ReportedTarget.objects.create(kind="phone", address="62082271501234")  # "+62 (0)822..." as it was read
    old_complaint(one, "0822-7150-1234")
    old_complaint(two, "+62 (0)822-7150-1234")

    retarget(apps, None)

    assert sorted(ReportedTarget.objects.values_list("address", "report_count", "status")) == [
        ("+6282271501234", 2, "new"),
        ("telegra.ph/Daftar-Cepat-04-01", 1, "in_review"),
        ("telegra.ph/Harga-Joki-03-12", 1, "in_review"),
    ]
    assert all(c.target.address != "telegra.ph" for c in Complaint.objects.select_related("target"))
