"""The staff second factor: a TOTP authenticator app, and ten single-use recovery codes (django-otp's TOTP and
static devices). The rules: every staff account confirms a TOTP device before it reaches any staff page (first
login = enrolment); recovery codes are shown once, at enrolment, and each works once. README, "Staff sign-in".
"""
from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from registration.models import User

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "authenticator"


def requires_second_factor(user) -> bool:
    """Whether `user` must pass a second factor before any page: every staff account and every superuser."""
    return user.is_authenticated and (user.is_staff or user.is_superuser)


def session_is_verified(request) -> bool:
    """Whether this session passed the second factor: django-otp's login() stored the id of one of the user's
    confirmed devices in it. (django-otp's OTPMiddleware is not used: its user.is_verified() would replace
    User.is_verified, the e-mail verification.)"""
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.confirmed and device.user_id == request.user.pk


def has_confirmed_device(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def pending_totp_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator device being enrolled for `user`, created on first call (its secret shown on
    the enrolment page until a code from it is confirmed)."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The device's secret as an authenticator app types it in: base32, no padding."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def confirm_enrolment(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm `device` with a `code` from it: the device becomes the user's authenticator, any older devices go,
    ten new recovery codes are made and the session is verified. Returns the recovery codes (to show once), or
    None when the code is wrong."""
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = replace_recovery_codes(user=device.user)
    otp_login(request, device)
    return codes


def replace_recovery_codes(*, user: User) -> list[str]:
    """Ten new single-use recovery codes for `user`; the old ones stop working. Returns them (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def verify(*, request, code: str) -> bool:
    """Check `code` against the user's authenticator, then against their recovery codes (a recovery code is used
    up). On success the session is verified. django-otp throttles failures per device (growing delays)."""
    code = code.strip().replace(" ", "")
    user = request.user
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            if device.verify_is_allowed()[0] and device.verify_token(code):
                otp_login(request, device)
                return True
    return False


def seconds_locked(*, user: User) -> int:
    """Seconds until django-otp lets this user's authenticator be tried again after wrong codes (0: now)."""
    waits = []
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        allowed, details = device.verify_is_allowed()
        if not allowed and details and details.get("locked_until"):
            waits.append(max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1))
    return max(waits, default=0)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an SVG QR code to scan from the screen (segno): markup, no script or inline style."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def enrol_for_demo(*, user: User) -> TOTPDevice:
    """Development only (load_demo): a confirmed authenticator for the demo staff account, so that `make run`
    works without a phone; `manage.py demo_otp` prints its current code."""
    assert settings.DEBUG, "demo enrolment is for development only"
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code `device` accepts now (development and tests)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
