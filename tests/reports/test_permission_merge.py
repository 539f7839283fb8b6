"""reports/migrations/0002: holders of the former reports.view_full_nik get the one permission, which is then the
only one left."""
from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from reports.models import WaveSummary

migration = importlib.import_module("reports.migrations.0002_one_personal_data_permission")


def test_it_moves_users_and_groups_to_the_one_permission_and_deletes_the_other(viewer, applicant):
    old = Permission.objects.create(content_type=ContentType.objects.get_for_model(WaveSummary),
                                    codename="view_full_nik", name="old")
    group = Group.objects.create(name="PMO data")
    group.permissions.add(old)
    viewer.user_permissions.add(old)

    migration.merge_into_registration_permission(apps, None)

    kept = Permission.objects.get(codename="view_full_nik")
    assert kept.content_type.app_label == "registration"
    assert list(viewer.user_permissions.all()) == [kept]
    assert list(group.permissions.all()) == [kept]
    assert applicant.user.user_permissions.count() == 0


def test_it_does_nothing_when_the_old_permission_is_gone(viewer):
    migration.merge_into_registration_permission(apps, None)
    assert list(Permission.objects.filter(codename="view_full_nik").values_list("content_type__app_label", flat=True)) \
        == ["registration"]
