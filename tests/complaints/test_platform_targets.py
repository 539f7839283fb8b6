"""A target's identity follows the platform's own rules: one page of a shared platform is one target, with its
case kept where the platform is case-sensitive (complaints.addresses.PLATFORM_RULES)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.addresses import PLATFORM_RULES, TargetKind, normalise_address
from complaints.models import Complaint, ReportedTarget
from tests.complaints.helpers import complaint_data


@pytest.mark.parametrize("rule", PLATFORM_RULES, ids=lambda rule: f"{rule.host}:{rule.path}")
def test_each_platform_rule_reads_its_own_example(rule):
    address = normalise_address(rule.example)
    assert (address.kind, address.value) == (TargetKind.WEBSITE, rule.expected)
    assert rule.source


@pytest.mark.parametrize(("first", "second"), [
    ("https://telegra.ph/Harga-Joki-Prakerja-03-12", "https://telegra.ph/Daftar-Cepat-Gelombang-13-04-01"),
    ("https://www.facebook.com/groups/111111111111111", "https://web.facebook.com/groups/222222222222222/"),
    ("https://chat.whatsapp.com/AbCdEfGhIjK123", "https://chat.whatsapp.com/ZyXwVuTsRqP987"),
    ("https://bit.ly/Yr7qW", "https://bit.ly/yr7qw"),  # short-link codes are case-sensitive: two links
    ("t.me/+AbCdEf123", "t.me/+abcdef123"),
    ("forms.gle/AbCd1234", "forms.gle/abcd1234"),
    ("https://www.facebook.com/profile.php?id=100012345678901", "https://www.facebook.com/profile.php?id=100099999999999"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=aaaaaaaaaaa"),
])
def test_two_pages_of_one_platform_are_two_targets(first, second):
    assert normalise_address(first).value != normalise_address(second).value
    assert "/" in normalise_address(first).value  # never the whole platform


@pytest.mark.parametrize(("first", "second"), [
    ("https://www.facebook.com/groups/111111111111111/posts/5", "m.facebook.com/groups/111111111111111"),
    ("https://t.me/JokiPrakerja", "https://telegram.me/jokiprakerja"),
    ("https://bit.ly/Yr7qW", "http://BIT.LY/Yr7qW?utm=x"),  # the host's case never matters
    ("https://twitter.com/JokiPrakerja", "x.com/jokiprakerja/status/5"),
])
def test_one_page_written_two_ways_is_one_target(first, second):
    assert normalise_address(first) == normalise_address(second)


@pytest.mark.django_db
def test_a_whatsapp_business_link_is_accepted_and_kept_exactly(client):
    response = client.post(reverse("complaints:new"), complaint_data(
        kind=Complaint.Kind.JOKI, address="https://wa.me/message/ABCDEF1234567"))
    assert response.status_code == 302
    assert ReportedTarget.objects.get().address == "wa.me/message/ABCDEF1234567"


@pytest.mark.parametrize(("raw", "value"), [
    ("https://wa.me/6282271501234?text=daftar", "+6282271501234"),
    ("wa.me/+62 822-7150-1234", "+6282271501234"),
    ("https://api.whatsapp.com/send?phone=6282271501234", "+6282271501234"),
    ("+62 (0)822-7150-1234", "+6282271501234"),
])
def test_messaging_links_and_numbers_go_through_the_phone_normaliser(raw, value):
    assert normalise_address(raw) == normalise_address("0822-7150-1234")
    assert normalise_address(raw).value == value


@pytest.mark.parametrize(("raw", "value"), [
    ("https://prakerja-daftar.com/groups/1", "prakerja-daftar.com"),  # not a listed platform: the whole site
    ("https://www.facebook.com/", "facebook.com"),  # a listed platform without a page: the host
    ("https://telegra.ph/", "telegra.ph"),
])
def test_a_host_not_known_to_be_shared_stays_one_site(raw, value):
    assert normalise_address(raw).value == value
