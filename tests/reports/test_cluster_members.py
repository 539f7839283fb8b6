"""Joki cluster members for staff review: the report page shows each cluster's first members, stored with the
cluster in its order, and links to every member a page at a time; masked unless asked for whole by someone who
may see it, and every view audited with the rows it showed."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from registration.models import Wave
from reports import views
from reports.models import AuditEntry, JokiCluster
from reports.services import get_report_state
from tests.reports.conftest import build_wave, wib
from tests.reports.test_joki import JOKI_IP, PHONE, _person

pytestmark = pytest.mark.django_db


def _joki_wave(members: int, number: int = 41) -> Wave:
    """A joki makes `members` accounts on one phone a minute apart and joins with each: one cluster per signal
    above its threshold (device from 3, IP from 10), every cluster the same people in sign-up order."""
    from eligibility.models import ScreeningRun

    wave = Wave.objects.create(number=number, quota=100, opens_at=wib(1, 0, 0), closes_at=wib(4, 0, 0),
                               status=Wave.Status.SCREENED, seed_commitment="0" * 64)
    for i in range(members):
        t = wib(1, 20, 0) + dt.timedelta(minutes=i)
        _person(wave, 500 + number * 100 + i, signup_at=t, joined_at=t + dt.timedelta(seconds=30), ip=JOKI_IP, ua=PHONE)
    ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.DONE, finished_at=wib(4, 1, 0))
    return wave


def _clusters(wave: Wave) -> list[JokiCluster]:
    return list(get_report_state(wave=wave).summary.clusters.all())


def _page(client, user, wave, **params):
    client.force_login(user)
    return client.get(reverse("reports:wave", kwargs={"number": wave.number}), params)


def _niks(html: str) -> list[str]:
    return re.findall(r'<td class="mono">(\d{4}\*{8}\d{4}|\d{16})</td>', html)


def test_it_stores_each_clusters_first_members_in_its_order():
    wave = _joki_wave(13)
    clusters = _clusters(wave)
    assert {c.signal for c in clusters} == {"signup_ip", "signup_device", "join_ip", "join_device"}
    for cluster in clusters:
        assert len(cluster.registration_ids) == 13
        assert cluster.first_ids == cluster.registration_ids[:JokiCluster.FIRST_MEMBERS]


def test_the_page_shows_the_first_members_of_each_cluster_masked(client, reporter):
    wave = _joki_wave(13)
    html = _page(client, reporter, wave).content.decode()
    first = [f"3201********{500 + 41 * 100 + i:04d}" for i in range(JokiCluster.FIRST_MEMBERS)]
    assert _niks(html) == first * 4  # four clusters, each its first ten in sign-up order
    assert f"{500 + 41 * 100 + 10:04d}</td>" not in html  # the eleventh is one link away
    assert "Wijaya" not in html and "3201010101904" not in html
    assert html.count(reverse("reports:cluster", kwargs={"number": wave.number, "cluster": 0})[:-2]) == 4


def test_whole_values_only_for_the_permission_holder_who_asks(client, reporter, full_reporter):
    wave = _joki_wave(4)
    whole = _page(client, full_reporter, wave, full="1").content.decode()
    assert "3201010101904600" in whole and "Orang Wijaya4600" in whole and "+62857" in whole
    masked = _page(client, full_reporter, wave).content.decode()
    assert "3201010101904600" not in masked and "3201********4600" in masked
    assert _page(client, reporter, wave, full="1").status_code == 403


def test_the_page_audits_the_rows_it_shows(client, reporter):
    wave = _joki_wave(13)
    _page(client, reporter, wave)
    entry = AuditEntry.objects.filter(kind=AuditEntry.Kind.PAGE).latest("pk")
    assert entry.row_count == 4 * JokiCluster.FIRST_MEMBERS and not entry.full_identity


@pytest.mark.parametrize("members", [4, 13])
def test_the_page_costs_the_same_queries_whatever_the_cluster_sizes(client, reporter, members,
                                                                    django_assert_num_queries):
    wave = _joki_wave(members)
    _page(client, reporter, wave)  # computes and stores the summary
    # As test_joki's page: the clusters with their count in one query, their shown members in one.
    with django_assert_num_queries(17):
        assert client.get(reverse("reports:wave", kwargs={"number": wave.number})).status_code == 200


def test_the_link_lists_every_member_a_page_at_a_time_audited(client, reporter, monkeypatch):
    monkeypatch.setattr(views, "CLUSTER_PAGE_MEMBERS", 5)
    wave = _joki_wave(13)
    cluster = next(c for c in _clusters(wave) if c.signal == "join_device")
    url = reverse("reports:cluster", kwargs={"number": wave.number, "cluster": cluster.pk})
    assert url in _page(client, reporter, wave).content.decode()
    seen = []
    for page in (1, 2, 3):
        response = client.get(url, {"page": page})
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        html = response.content.decode()
        seen += _niks(html)
        entry = AuditEntry.objects.latest("pk")
        assert (entry.action, entry.kind, entry.row_count) == ("view", "clusters", len(_niks(html)))
        assert ("?page=4" in html) is False and ((f"?page={page + 1}" in html) == (page < 3))
    assert seen == [f"3201********{500 + 41 * 100 + i:04d}" for i in range(13)]
    assert client.get(url, {"page": 4}).status_code == 404
    assert client.get(url, {"page": "x"}).status_code == 404 and client.get(url, {"page": "²"}).status_code == 404
    assert client.get(url).status_code == 200  # page 1


def test_the_cluster_page_is_whole_only_for_the_permission_holder(client, reporter, full_reporter):
    wave = _joki_wave(4)
    cluster = _clusters(wave)[0]
    url = reverse("reports:cluster", kwargs={"number": wave.number, "cluster": cluster.pk})
    client.force_login(reporter)
    assert "3201********4600" in client.get(url).content.decode()
    assert client.get(url, {"full": "1"}).status_code == 403
    client.force_login(full_reporter)
    assert "3201010101904600" in client.get(url, {"full": "1"}).content.decode()
    assert AuditEntry.objects.latest("pk").full_identity


def test_the_cluster_page_refuses_others_and_other_waves_clusters(client, viewer, page_reader, reporter):
    wave = _joki_wave(4)
    other = build_wave(number=60)
    cluster = _clusters(wave)[0]
    client.force_login(viewer)
    assert client.get(reverse("reports:cluster", kwargs={"number": wave.number, "cluster": cluster.pk})).status_code == 403
    client.force_login(page_reader)
    assert client.get(reverse("reports:cluster", kwargs={"number": wave.number, "cluster": cluster.pk})).status_code == 200
    client.force_login(reporter)
    assert client.get(reverse("reports:cluster", kwargs={"number": other.number, "cluster": cluster.pk})).status_code == 404
