"""One permission for whole personal data: reports.view_full_nik is merged into registration.view_full_nik.

Every user and group holding the reports permission gets the registration one, then the reports permission
is deleted (Django creates missing permissions after migrating but never deletes stale ones). On a fresh
database neither permission row exists yet and there is nothing to merge.
"""
from django.db import migrations


def merge_into_registration_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = Permission.objects.filter(content_type__app_label="reports", codename="view_full_nik").first()
    if old is None:
        return
    applicant_type, _ = ContentType.objects.get_or_create(app_label="registration", model="applicant")
    kept, _ = Permission.objects.get_or_create(
        content_type=applicant_type, codename="view_full_nik",
        defaults={"name": "Can see whole NIK, KK and phone numbers"},
    )
    User = apps.get_model("registration", "User")
    Group = apps.get_model("auth", "Group")
    for user in User.objects.filter(user_permissions=old):
        user.user_permissions.add(kept)
    for group in Group.objects.filter(permissions=old):
        group.permissions.add(kept)
    old.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_wave_summary_joki_clusters_audit_log"),
        ("registration", "0002_applicant_view_full_nik_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="wavesummary",
            options={
                "default_permissions": (),
                "permissions": [("view_wave_report", "Can open screening reports"),
                                ("download_wave_report", "Can download screening reports (CSV)")],
                "verbose_name": "wave report summary",
                "verbose_name_plural": "wave report summaries",
            },
        ),
        migrations.RunPython(merge_into_registration_permission, migrations.RunPython.noop),
    ]
