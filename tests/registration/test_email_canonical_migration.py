"""The data migration that gives existing accounts their inbox (registration 0004) matches canonical_email."""
import importlib

import pytest
from django.apps import apps

from prakerja.lib.identity import canonical_email
from registration.models import User

pytestmark = pytest.mark.django_db

migration = importlib.import_module("registration.migrations.0004_user_email_canonical")

ADDRESSES = ["ali@gmail.com", "siti.aminah+daftar@yahoo.co.id", "b.udi+x@googlemail.com", "dewi@example.com",
             "a.b.c@gmail.co.id", "+tag@example.com"]


def test_it_fills_every_account_as_canonical_email_would():
    for address in ADDRESSES:
        User.objects.create_user(email=address)
    User.objects.update(email_canonical=None)
    migration.fill_canonical(apps, None)
    assert dict(User.objects.values_list("email", "email_canonical")) == {a: canonical_email(a) for a in ADDRESSES}

