"""One client address (prakerja.lib.http) for the rate limits, the login throttle and the joki signals, tested
behind a simulated proxy (REMOTE_ADDR is the proxy; the proxy writes X-Real-IP) with the header present, absent,
forged and garbage, on login, sign-up, complaint and join: never a 500."""
from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from prakerja.checks import client_ip_problems
from prakerja.lib.digest import keyed_digest
from prakerja.lib.http import UNKNOWN_CLIENT, client_ip, throttle_key
from registration.models import Registration, User
from tests.complaints.helpers import complaint_data
from tests.registration.conftest import PASSWORD

PROXY = "10.0.0.1"
ALICE, BOB = "203.0.113.7", "198.51.100.4"


@pytest.fixture
def behind_proxy(settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"


@pytest.mark.parametrize(("header", "expected"), [
    ("203.0.113.7", "203.0.113.7"),
    ("  203.0.113.7 ", "203.0.113.7"),
    ("2001:DB8:0:0::1", "2001:db8::1"),
    ("::ffff:203.0.113.7", "::ffff:203.0.113.7"),
    (None, None),  # absent: the request did not come through the proxy
    ("", None),
    ("203.0.113.7, 10.0.0.1", None),  # a list the client could have started
    ("unknown", None),
    ("evil.example", None),
    ("999.1.1.1", None),
    ("203.0.113.7\x00", None),
])
def test_it_reads_one_address_or_nothing_from_the_configured_header(behind_proxy, header, expected):
    extra = {"REMOTE_ADDR": PROXY} | ({} if header is None else {"HTTP_X_REAL_IP": header})
    request = RequestFactory().get("/", **extra)
    assert client_ip(request) == expected
    assert throttle_key(request) == (expected or UNKNOWN_CLIENT)


def test_without_a_proxy_it_reads_the_socket_address_and_ignores_a_forged_header(settings):
    request = RequestFactory().get("/", REMOTE_ADDR=ALICE, HTTP_X_REAL_IP=BOB)
    assert settings.CLIENT_IP_META_KEY == "REMOTE_ADDR"
    assert client_ip(request) == ALICE


def _log_in(client: Client, email: str, password: str, **headers):
    return client.post(reverse("registration:login"), {"username": email, "password": password},
                       REMOTE_ADDR=PROXY, **headers)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_celery", "behind_proxy")
def test_failed_logins_from_one_client_do_not_lock_the_account_for_another(applicant, settings):
    settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER = 100  # the pair lock alone (the per-account slow-down: test_login_throttle)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(Client(), applicant.user.email, "wrong", HTTP_X_REAL_IP=ALICE)
    assert _log_in(Client(), applicant.user.email, PASSWORD, HTTP_X_REAL_IP=ALICE).status_code == 429
    assert _log_in(Client(), applicant.user.email, PASSWORD, HTTP_X_REAL_IP=BOB).status_code == 302
    # Requests without the header share one bucket: locked together, never with an identified client.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(Client(), applicant.user.email, "wrong")
    assert _log_in(Client(), applicant.user.email, PASSWORD, HTTP_X_REAL_IP="garbage").status_code == 429
    assert _log_in(Client(), applicant.user.email, PASSWORD, HTTP_X_REAL_IP="2001:db8::7").status_code == 302


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_proxy")
@pytest.mark.parametrize("headers", [{}, {"HTTP_X_REAL_IP": "garbage"}, {"HTTP_X_REAL_IP": "2001:db8::7"},
                                     {"HTTP_X_REAL_IP": f"{ALICE}, {BOB}"}])
def test_a_complaint_is_accepted_whatever_the_header_holds(client, headers):
    assert client.post(reverse("complaints:new"), complaint_data(), REMOTE_ADDR=PROXY, **headers).status_code == 302


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_proxy")
def test_complaint_limits_count_each_client_behind_the_proxy(client, settings):
    settings.COMPLAINT_RATE_LIMIT = "1/h"
    post = lambda **headers: client.post(reverse("complaints:new"), complaint_data(), REMOTE_ADDR=PROXY,  # noqa: E731
                                            **headers).status_code
    assert post(HTTP_X_REAL_IP=ALICE) == 302
    assert post(HTTP_X_REAL_IP=ALICE) == 429
    assert post(HTTP_X_REAL_IP=BOB) == 302
    assert post() == 302  # the unknown bucket is one more client
    assert post(HTTP_X_REAL_IP="not an address") == 429  # ... shared by every request without an address


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_celery", "behind_proxy")
@pytest.mark.parametrize(("headers", "digest"), [({"HTTP_X_REAL_IP": ALICE}, keyed_digest(ALICE)),
                                                 ({}, None), ({"HTTP_X_REAL_IP": "forged, list"}, None)])
def test_sign_up_stores_the_client_address_digest_or_none(client, headers, digest):
    response = client.post(reverse("registration:signup"),
                           {"email": "rina@example.com", "password1": PASSWORD, "password2": PASSWORD},
                           REMOTE_ADDR=PROXY, **headers)
    assert response.status_code == 302
    assert User.objects.get(email="rina@example.com").signup_ip_digest == digest


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_proxy")
@pytest.mark.parametrize(("headers", "digest"), [({"HTTP_X_REAL_IP": "2001:DB8::7"}, keyed_digest("2001:db8::7")),
                                                 ({}, None), ({"HTTP_X_REAL_IP": "garbage"}, None)])
def test_join_stores_the_client_address_digest_or_none(client, applicant, open_wave_12, headers, digest):
    client.force_login(applicant.user)
    response = client.post(reverse("registration:join", args=[12]), REMOTE_ADDR=PROXY, **headers)
    assert response.status_code == 302
    assert Registration.objects.get().ip_digest == digest


@pytest.mark.parametrize(("key", "ok"), [("REMOTE_ADDR", True), ("HTTP_X_REAL_IP", True),
                                         ("HTTP_X_FORWARDED_FOR", False), ("X-Real-IP", False), ("", False)])
def test_a_system_check_refuses_a_source_that_is_not_one_proxy_set_address(key, ok):
    assert (client_ip_problems(meta_key=key) == []) is ok
