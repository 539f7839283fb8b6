"""Two first reports of one address at the same moment: the unique constraint and the SQL increment make them
one target with a count of 2, never two targets and never a lost count."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from complaints import services
from complaints.models import Complaint, ReportedTarget

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_merges_simultaneous_first_reports(settings, tmp_path):
    reporters = 4
    barrier = threading.Barrier(reporters)
    errors: list[BaseException] = []

    def report(n: int) -> None:
        try:
            barrier.wait()
            services.file_complaint(kind=Complaint.Kind.FAKE_WEBSITE, address=f"https://www.prakerja-daftar.com/{n}",
                                    description="Minta OTP.", reporter_email=f"pelapor{n}@example.com")
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(n,)) for n in range(reporters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    target = ReportedTarget.objects.get()
    assert target.report_count == reporters == target.complaints.count()
