"""Personal data out of PostgreSQL's error log: in normal use no statement fails, so none is logged with its values.
Sign-up with a used address, a profile with a used NIK or phone, and a second join are answered by checking first
under a lock, never by a unique-constraint violation. Every statement is watched through execute_wrapper."""
from __future__ import annotations

import contextlib

import pytest
from django.db import connection
from django.urls import reverse

from registration import services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def failed_statements():
    failures: list[str] = []

    def watch(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception as error:
            failures.append(f"{type(error).__name__}: {sql}")
            raise

    with connection.execute_wrapper(watch):
        yield failures


def test_signing_up_with_a_used_address_fails_no_statement(client, applicant):
    with failed_statements() as failures:
        response = client.post(reverse("registration:signup"), {
            "email": applicant.user.email.upper(), "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert failures == []


@pytest.mark.parametrize("field", ["nik", "phone"])
def test_a_profile_with_a_used_nik_or_phone_fails_no_statement(applicant, verified_user, field):
    values = {"nik": "3171015508950003", "kk": "3171010101200003", "full_name": "Dewi",
              "birth_date": applicant.birth_date, "phone": "+6281999998888", "not_in_formal_education": True}
    values[field] = getattr(applicant, field)
    with failed_statements() as failures, pytest.raises(services.ProfileConflict):
        services.save_profile(user=verified_user, **values)
    assert failures == []


def test_joining_twice_fails_no_statement(applicant, open_wave_12):
    services.join_wave(applicant=applicant, wave=open_wave_12, ip=None, user_agent=None)
    with failed_statements() as failures, pytest.raises(services.JoinRefused):
        services.join_wave(applicant=applicant, wave=open_wave_12, ip=None, user_agent=None)
    assert failures == []
