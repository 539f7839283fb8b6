"""Personas shared by every test file: an applicant, another applicant, PMO staff, a staff viewer without
report permission. App-specific fixtures live in tests/<app>/conftest.py."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from registration.models import Applicant, User, Wave
from eligibility.waves import publish_wave

PASSWORD = "sandi-Rahasia-2021"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Accounts in tests are hashed with MD5, not 1M rounds of PBKDF2 (about a second per account here).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Sessions in the database whatever CACHE_URL says, so pinned query counts are the same on every set-up;
    # the tests that measure production's cached sessions ask for them.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture(autouse=True)
def _no_appeal_window(settings):
    # Most tests run the selection right after the screening, which an appeal window would hold up for days;
    # the appeal tests (tests/aftercare) set their own window.
    settings.APPEAL_WINDOW_DAYS = 0


@pytest.fixture(autouse=True)
def _no_recent_drain_kick(monkeypatch):
    # The outbox's per-process kick interval (notifications.services) would let one test's join silence the next's.
    from notifications import services

    monkeypatch.setattr(services, "_last_kick", [float("-inf")])


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and login-throttle state live in the cache, which outlives a test's transaction;
    # so do the public pages' few-second cache (registration.views) and its wave.
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


def make_applicant(*, email: str, nik: str, kk: str, phone: str, full_name: str = "Siti Aminah",
                   birth_date: dt.date | None = None, verified: bool = True) -> Applicant:
    from prakerja.lib.identity import parse_nik

    user = User.objects.create_user(email=email, password=PASSWORD)
    if verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return Applicant.objects.create(
        user=user, nik=nik, kk=kk, full_name=full_name,
        birth_date=birth_date or parse_nik(nik).birth_date, phone=phone, not_in_formal_education=True,
    )


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch):
    """`client.force_login(user)` stands for the whole sign-in, second factor included: a staff account signed in
    this way gets a confirmed authenticator and a session verified by it. The second factor itself is tested
    through the login form and `client.login()` (tests/staff/), which this does not touch."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from staff.second_factor import requires_second_factor

    sign_in = Client.force_login

    def force_login(self, user, backend=None):
        sign_in(self, user, backend)
        if requires_second_factor(user):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
                TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def applicant(db) -> Applicant:
    # Woman born 01-12-1990 (day 01 + 40 = 41) in Kab. Bogor, Jawa Barat.
    return make_applicant(email="siti@example.com", nik="3201014112900001", kk="3201010101200001",
                          phone="+6281234567890")


@pytest.fixture
def other_applicant(db) -> Applicant:
    return make_applicant(email="budi@example.com", nik="3578010505950002", kk="3578010101200002",
                          phone="+6281298765432", full_name="Budi Santoso")


@pytest.fixture
def staff(db) -> User:
    """PMO staff with every permission."""
    return User.objects.create_superuser(email="pmo@prakerja.go.id", password=PASSWORD)


@pytest.fixture
def viewer(db) -> User:
    """Staff who may open the admin but holds no report or personal-data permission."""
    return User.objects.create_user(email="viewer@prakerja.go.id", password=PASSWORD, is_staff=True,
                                    email_verified_at=timezone.now())


@pytest.fixture
def open_wave_12(db, staff) -> Wave:
    now = timezone.now()
    wave = Wave.objects.create(number=12, quota=600_000, opens_at=now - dt.timedelta(days=1),
                               closes_at=now + dt.timedelta(days=3))
    return publish_wave(wave=wave, by=staff)


@pytest.fixture
def browser(live_server, tmp_path_factory):
    """Headless Debian Chromium driven by Selenium through Debian's chromedriver (no browser download).

    Skipped with instructions where Chromium is missing, except under REQUIRE_BROWSER=1 (CI), where a
    missing browser fails the run instead.
    """
    import os
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not (chromium and chromedriver):
        message = "Browser tests need Chromium: apt-get install chromium chromium-driver"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=412,915", "--lang=id"):
        options.add_argument(flag)
    # A phone set to Indonesian: headless Chromium ignores --lang for the Accept-Language header.
    options.add_experimental_option("prefs", {"intl.accept_languages": "id,id-ID"})
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.implicitly_wait(5)
    driver.base_url = live_server.url
    yield driver
    driver.quit()


@pytest.fixture
def output_dir(request) -> "Path":
    """A folder for a test's artefacts (screenshots): test-output/<test name>/."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "test-output" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def eager_celery():
    """Tasks run in this process when queued (account and receipt e-mails land in mail.outbox). The screening
    tests use real workers instead; this fixture is for the e-mail tasks."""
    from prakerja.celery import app as celery_app

    old = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = old


@pytest.fixture
def calc():
    """LibreOffice Calc, headless (tests/spreadsheet.py). Skipped with instructions where it is missing, except
    under REQUIRE_LIBREOFFICE=1 (CI), where a missing Calc fails the run instead."""
    import os

    from tests import spreadsheet

    if not spreadsheet.soffice():
        message = "Spreadsheet round-trip tests need LibreOffice Calc: apt-get install libreoffice-calc-nogui"
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return spreadsheet
