from django.db import migrations


def retarget(apps, schema_editor):
    # Platform pages (telegra.ph/<page>, facebook.com/groups/<id>, ...) become targets of their own, short-link
    # codes keep their case, and wa.me/message/<code> links are read: complaints move to their page's target.
    from complaints.migrations._retarget import retarget as run

    run(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_phone_targets_e164")]

    operations = [migrations.RunPython(retarget, migrations.RunPython.noop, elidable=True)]
