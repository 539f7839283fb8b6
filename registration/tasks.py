"""Celery tasks of the registration app: account e-mails, sent by a worker off the request path.

At the deadline thousands of people sign up a minute: a slow mail server must not hold their requests, and a
refused send is retried rather than lost. Every request answers at the same speed whether or not an account
exists, so timing reveals nothing either. Tasks take ids and plain values, never an address in a log line.
"""
from __future__ import annotations

import smtplib

from celery import shared_task
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils import translation

from registration import services
from registration.models import User

MAIL_RETRY = {"autoretry_for": (smtplib.SMTPException, OSError), "retry_backoff": 30, "retry_backoff_max": 600,
              "max_retries": 8}


def _mail(accounts, send, *, user_id: int, base_url: str, language: str) -> bool:
    """Send with `send(user=..., base_url=...)` in `language` if the account is still among `accounts`."""
    user = accounts.filter(pk=user_id).first()
    if user is None:
        return False
    with translation.override(language):
        send(user=user, base_url=base_url)
    return True


@shared_task(**MAIL_RETRY)
def send_verification(*, user_id: int, base_url: str, language: str) -> bool:
    """The verification link, unless the account was verified (or deactivated) meanwhile."""
    return _mail(User.objects.filter(email_verified_at__isnull=True, is_active=True), services.send_verification_email,
                 user_id=user_id, base_url=base_url, language=language)


@shared_task(**MAIL_RETRY)
def send_account_exists(*, user_id: int, base_url: str, language: str) -> bool:
    """Someone signed up with an address that has an account: its owner is told how to log in instead."""
    return _mail(User.objects.filter(is_active=True), services.send_account_exists_email,
                 user_id=user_id, base_url=base_url, language=language)


@shared_task(**MAIL_RETRY)
def send_password_reset(*, user_id: int, base_url: str, language: str) -> bool:
    """Django's password-reset e-mail (same templates, same token generator), rendered by the worker."""
    resettable = User.objects.filter(is_active=True).exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    return _mail(resettable, services.send_password_reset_email, user_id=user_id, base_url=base_url, language=language)
