"""Joki signals: clusters of accounts/registrations from one IP or device in a short time, or with phone
numbers in one tight sequence. A family of two in one house is never flagged."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from eligibility.models import ScreeningResult, ScreeningRun
from prakerja.lib.digest import keyed_digest
from registration.models import Registration, Wave
from reports.models import JokiCluster
from reports.services import find_joki_clusters, get_report_state
from tests.conftest import make_applicant
from tests.reports.conftest import wib

HOUSE_IP, JOKI_IP, CAFE_IP = keyed_digest("10.0.0.7"), keyed_digest("36.72.1.1"), keyed_digest("114.4.4.4")
PHONE, LAPTOP = keyed_digest("Mozilla/5.0 (Linux; Android 11; SM-A125F)"), keyed_digest("Mozilla/5.0 (X11; Linux)")


def _person(wave: Wave, n: int, *, signup_at: dt.datetime, joined_at: dt.datetime, ip, ua, phone: str | None = None,
            join_ip=None, join_ua=None) -> Registration:
    nik = f"3201010101{90:02d}{n:04d}"
    phone = phone or f"+62857{n * 7919:08d}"  # far apart: no sequence
    applicant = make_applicant(email=f"p{n}@example.com", nik=nik, kk=f"32010101012{n:05d}",
                               phone=phone, full_name=f"Orang Wijaya{n}")
    user = applicant.user
    user.date_joined, user.signup_ip_digest, user.signup_user_agent_digest = signup_at, ip, ua
    user.save(update_fields=["date_joined", "signup_ip_digest", "signup_user_agent_digest"])
    registration = Registration.objects.create(
        wave=wave, applicant=applicant, registered_at=joined_at, nik_digest=keyed_digest(nik),
        kk_digest=keyed_digest(applicant.kk), ip_digest=join_ip or ip, user_agent_digest=join_ua or ua,
        seconds_since_signup=int((joined_at - signup_at).total_seconds()),
    )
    ScreeningResult.objects.create(registration=registration, wave=wave, status="eligible", reasons="")
    return registration


@pytest.fixture
def joki_wave(db) -> tuple[Wave, dict[str, list[int]]]:
    wave = Wave.objects.create(number=40, quota=100, opens_at=wib(1, 0, 0), closes_at=wib(4, 0, 0),
                               status=Wave.Status.SCREENED, seed_commitment="0" * 64)
    groups: dict[str, list[int]] = {"joki": [], "family": [], "slow": [], "phones": [], "cafe": []}
    # A joki makes six accounts on one phone in 25 minutes and joins the wave with each a minute later.
    for i in range(6):
        t = wib(1, 20, 0) + dt.timedelta(minutes=5 * i)
        groups["joki"].append(_person(wave, 100 + i, signup_at=t, joined_at=t + dt.timedelta(minutes=1),
                                      ip=JOKI_IP, ua=PHONE).pk)
    # A husband and wife sign up on the same phone at home, ten minutes apart: never a signal.
    for i in range(2):
        t = wib(2, 19, 0) + dt.timedelta(minutes=10 * i)
        groups["family"].append(_person(wave, 200 + i, signup_at=t, joined_at=t + dt.timedelta(minutes=3),
                                        ip=HOUSE_IP, ua=PHONE, phone=f"+6281333333{30 + i:02d}").pk)
    # One shared laptop used by three people on three different days: no burst, no signal.
    for i in range(3):
        t = wib(1 + i, 9, 0)
        groups["slow"].append(_person(wave, 300 + i, signup_at=t, joined_at=t + dt.timedelta(hours=1),
                                      ip=CAFE_IP, ua=LAPTOP).pk)
    # Five SIM cards bought together: +6281299990010 ... +6281299990018, on different networks and days.
    for i, last in enumerate([10, 12, 13, 15, 18]):
        t = wib(1 + i % 3, 7 + i, 0)
        groups["phones"].append(_person(wave, 400 + i, signup_at=t, joined_at=t + dt.timedelta(hours=2),
                                        ip=keyed_digest(f"10.9.{i}.1"), ua=keyed_digest(f"ua {i}"),
                                        phone=f"+62812999900{last:02d}").pk)
    ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.DONE, finished_at=wib(4, 1, 0))
    return wave, groups


def _by_signal(clusters) -> dict[str, list[list[int]]]:
    found: dict[str, list[list[int]]] = {}
    for cluster in clusters:
        found.setdefault(cluster.signal, []).append(cluster.registration_ids)
    return found


def test_it_finds_accounts_made_and_joined_from_one_device(joki_wave):
    wave, groups = joki_wave
    found = _by_signal(find_joki_clusters(wave=wave))
    assert found["signup_device"] == [groups["joki"]]
    assert found["join_device"] == [groups["joki"]]


def test_it_does_not_flag_a_family_of_two_in_one_house(joki_wave):
    wave, groups = joki_wave
    flagged = {pk for cluster in find_joki_clusters(wave=wave) for pk in cluster.registration_ids}
    assert not flagged & set(groups["family"])
    assert not flagged & set(groups["slow"])  # one device, but days apart


def test_it_needs_many_more_accounts_on_one_ip_than_on_one_device(joki_wave):
    wave, _groups = joki_wave
    found = _by_signal(find_joki_clusters(wave=wave))
    assert "signup_ip" not in found and "join_ip" not in found  # six is below JOKI_IP_MIN_ACCOUNTS (10)


def test_it_finds_phone_numbers_in_one_tight_sequence(joki_wave):
    wave, groups = joki_wave
    found = _by_signal(find_joki_clusters(wave=wave))
    assert found["phone_sequence"] == [groups["phones"]]
    # The couple's consecutive numbers (+6281333333330/31) are two, below the threshold.


def test_the_thresholds_are_settings(joki_wave, settings):
    wave, groups = joki_wave
    settings.JOKI_IP_MIN_ACCOUNTS = 6
    settings.JOKI_DEVICE_MIN_ACCOUNTS = 7
    settings.JOKI_PHONE_SPAN = 8  # 10..18 spans nine numbers: no longer "tight"
    found = _by_signal(find_joki_clusters(wave=wave))
    assert found == {"signup_ip": [groups["joki"]], "join_ip": [groups["joki"]]}


def test_a_short_window_splits_a_slow_joki(joki_wave, settings):
    wave, _groups = joki_wave
    settings.JOKI_WINDOW_MINUTES = 10  # three accounts in any 10 minutes: 0-10, 5-15, ... still one cluster
    assert len(_by_signal(find_joki_clusters(wave=wave))["signup_device"]) == 1
    settings.JOKI_WINDOW_MINUTES = 4  # never three accounts within 4 minutes of each other
    assert "signup_device" not in _by_signal(find_joki_clusters(wave=wave))


def test_it_stores_clusters_with_the_summary(joki_wave):
    wave, groups = joki_wave
    summary = get_report_state(wave=wave).summary
    clusters = list(summary.clusters.all())
    assert {c.signal for c in clusters} == {"signup_device", "join_device", "phone_sequence"}
    device = next(c for c in clusters if c.signal == "signup_device")
    assert device.size == 6 and device.first_at == wib(1, 20, 0) and device.last_at == wib(1, 20, 25)
    assert device.key == f"{JOKI_IP.hex[:8]}:{PHONE.hex[:8]}"
    phones = next(c for c in clusters if c.signal == "phone_sequence")
    assert phones.key == "+62812****0010 – +62812****0018"


def test_the_page_lists_clusters_with_masked_registrations(client, reporter, joki_wave):
    wave, _groups = joki_wave
    client.force_login(reporter)
    page = client.get(reverse("reports:wave", kwargs={"number": wave.number})).content.decode()
    assert "Wijaya" not in page and "O**** W****" in page  # names masked
    assert "3201********0100" in page and "3201010101900100" not in page
    assert "+62812****0015" in page and "+6281299990015" not in page


def test_the_cluster_csv_lists_every_member(client, reporter, joki_wave):
    import csv
    import io

    wave, groups = joki_wave
    client.force_login(reporter)
    response = client.get(reverse("reports:clusters_csv", kwargs={"number": wave.number}), HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["signal", "cluster", "key", "size"]
    assert rows[0][-2:] == ["phone", "seconds_since_signup"]
    assert len(rows) == 1 + 6 + 6 + 5
    first = rows[1]
    assert first[0] == "join_device" and first[3] == "6"
    assert first[5] == "'3201********0100" and first[7] == "O**** W****" and first[-2] == "'+62857****1900"
    assert first[-1] == "60"


def test_the_page_reads_every_cluster_member_in_one_query(client, reporter, joki_wave, django_assert_num_queries):
    wave, _groups = joki_wave
    client.force_login(reporter)
    url = reverse("reports:wave", kwargs={"number": wave.number})
    client.get(url)  # computes and stores the summary
    # As on a wave without clusters (test_page.py), plus one query for the members of all clusters shown.
    with django_assert_num_queries(17):
        assert client.get(url).status_code == 200


def test_registrations_at_one_instant_form_one_cluster_in_id_order(joki_wave):
    """Events at one position are peers: whichever order the database reads them in, they share one cluster, and
    its ids are listed by time, then id."""
    wave, _groups = joki_wave
    burst_ip, burst_ua = keyed_digest("182.1.1.1"), keyed_digest("burst browser")
    at = wib(3, 10, 0)
    ids = [_person(wave, 500 + i, signup_at=wib(1 + i % 2, 6, 0) + dt.timedelta(days=0, hours=i * 5), joined_at=at,
                   ip=keyed_digest(f"home {i}"), ua=keyed_digest(f"own {i}"), join_ip=burst_ip, join_ua=burst_ua).pk
           for i in range(4)]
    later = _person(wave, 504, signup_at=wib(1, 5, 0), joined_at=at + dt.timedelta(minutes=30), ip=keyed_digest("home 4"),
                    ua=keyed_digest("own 4"), join_ip=burst_ip, join_ua=burst_ua).pk
    found = _by_signal(find_joki_clusters(wave=wave))
    assert sorted(found["join_device"]) == sorted([_groups["joki"], sorted(ids) + [later]])


def test_two_bursts_of_one_device_hours_apart_are_two_clusters(joki_wave):
    wave, _groups = joki_wave
    ip, ua = keyed_digest("36.80.2.2"), keyed_digest("one joki laptop")
    first = [_person(wave, 600 + i, signup_at=wib(2, 1, 0) + dt.timedelta(minutes=i), joined_at=wib(2, 2, 0),
                     ip=ip, ua=ua).pk for i in range(3)]
    second = [_person(wave, 610 + i, signup_at=wib(2, 9, 0) + dt.timedelta(minutes=i), joined_at=wib(2, 10, 0),
                      ip=ip, ua=ua).pk for i in range(3)]
    key = f"{ip.hex[:8]}:{ua.hex[:8]}"
    clusters = [c for c in find_joki_clusters(wave=wave) if c.signal == "signup_device" and c.key == key]
    assert [c.registration_ids for c in clusters] == [first, second]
    assert [(c.first_at, c.last_at) for c in clusters] == [(wib(2, 1, 0), wib(2, 1, 2)), (wib(2, 9, 0), wib(2, 9, 2))]


def test_the_stored_clusters_are_the_ones_found_biggest_first(joki_wave):
    wave, _groups = joki_wave
    found = [(c.signal, c.key, c.size, c.first_at, c.last_at, c.registration_ids) for c in find_joki_clusters(wave=wave)]
    summary = get_report_state(wave=wave).summary
    stored = [(c.signal, c.key, c.size, c.first_at, c.last_at, c.registration_ids)
              for c in summary.clusters.order_by("pk")]
    assert stored == found
    assert [c[2] for c in stored] == sorted((c[2] for c in stored), reverse=True)
