"""The staff roles as groups, each with the permissions its work needs and nothing more (README, "Staff roles").

A staff account gets its role by joining one group in the admin; superusers are kept for the few who manage
accounts. Running the migration again (or after new permissions appear) sets each group's permissions to this
table exactly.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

# role -> "app_label.codename" permissions. "app_label.*" is every permission of that app.
ROLES = {
    "PMO admin": [
        "registration.*", "eligibility.*", "reports.*", "complaints.*", "staff.*", "aftercare.*", "notifications.*",
        "otp_totp.view_totpdevice", "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice", "otp_static.delete_staticdevice",
        "auth.view_group",
    ],
    "Screening operator": [
        "registration.view_wave", "registration.add_wave", "registration.change_wave", "registration.view_wavechange",
        "eligibility.view_exclusionlist", "eligibility.add_exclusionlist", "eligibility.view_exclusionlistbadrow",
        "eligibility.view_screeningrun", "reports.view_wave_report",
        # Appeals are decided beside what the screening found; revocations and training starts are recorded here.
        "aftercare.view_appeal", "aftercare.change_appeal", "aftercare.view_appealfile", "aftercare.view_revocation",
        "aftercare.add_revocation", "aftercare.view_promotion", "aftercare.add_trainingstartimport",
        "aftercare.view_trainingstartimport",
    ],
    "Report viewer": [
        "registration.view_wave", "eligibility.view_screeningrun",
        "reports.view_wave_report", "reports.download_wave_report",
    ],
    "Complaint handler": [
        "complaints.view_complaint", "complaints.change_complaint", "complaints.view_complaintnote",
        "complaints.add_complaintnote", "complaints.view_evidence", "complaints.view_reportedtarget",
        "complaints.view_kominfoexport", "complaints.view_reporter_contact",
        # NIK misuse: read the report beside the holding account; suspend and lift (recorded).
        "complaints.view_nikmisusereport", "complaints.view_nikmisuseevidence", "complaints.view_suspension",
        "complaints.add_suspension", "complaints.change_suspension",
    ],
    "Helpdesk": [
        "registration.view_user", "registration.view_applicant", "registration.view_registration",
        "registration.view_wave", "staff.search_personal_data", "aftercare.use_helpdesk",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after the last migration; the groups need them now.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLES.items():
        chosen = Permission.objects.none()
        for name in names:
            app_label, codename = name.split(".")
            in_app = Permission.objects.filter(content_type__app_label=app_label)
            chosen |= in_app if codename == "*" else in_app.filter(codename=codename)
        missing = {name for name in names if not name.endswith("*")} - {
            f"{app}.{code}" for app, code in chosen.values_list("content_type__app_label", "codename")}
        assert not missing, f"unknown permissions for {role}: {sorted(missing)}"
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(chosen)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("staff", "0001_personal_data_search"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("registration", "0007_wave_sealed_seed_published_by"),
        ("aftercare", "0001_appeals_revocations_promotions_training_starts"),
        ("notifications", "0001_mail_outbox"),
        ("eligibility", "0009_card_number_and_published_draw"),
        ("reports", "0003_contacts_export"),
        ("complaints", "0006_nik_misuse_reports_and_suspensions"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
