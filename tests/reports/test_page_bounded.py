"""The report page of a big wave stays bounded: each shown joki cluster's first members are stored with it, and
the page never reads a member list (at 6 M registrations one cluster may hold hundreds of thousands)."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import Registration
from reports.models import JokiCluster, WaveSummary
from tests.reports.conftest import build_wave

pytestmark = pytest.mark.django_db


def test_it_reads_only_the_first_members_of_a_huge_cluster(client, reporter):
    wave = build_wave(number=51)
    client.force_login(reporter)
    url = reverse("reports:wave", kwargs={"number": wave.number})
    client.get(url)  # computes and stores the summary
    real = list(Registration.objects.filter(wave=wave).order_by("pk").values_list("pk", flat=True))
    JokiCluster.objects.create(summary=WaveSummary.objects.filter(wave=wave).latest("pk"),
                               signal=JokiCluster.Signal.values[0], key="shared", size=len(real) + 20_000,
                               registration_ids=real + list(range(10**9, 10**9 + 20_000)))
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    cluster_reads = [q["sql"] for q in queries.captured_queries if "reports_jokicluster" in q["sql"]]
    assert cluster_reads
    for sql in cluster_reads:  # the stored first members only, not the member list
        assert '"registration_ids"' not in sql and '"first_ids"' in sql
    assert f"{len(real) + 20_000}" in html.replace(".", "").replace(",", "")  # the whole size is still shown
