from django.db import migrations, models
from django.db.models import Case, CharField, Count, Min, Q, Value, When
from django.db.models.functions import Concat, Lower, Replace, StrIndex, Substr


def canonical_sql():
    """prakerja.lib.identity.canonical_email as an SQL expression (one UPDATE, not a loop over millions of
    accounts): lower case, `+tag` dropped, dots dropped and googlemail.com made gmail.com for Google's inboxes."""
    email = Lower("email")
    at = StrIndex(email, Value("@"))
    local = Substr(email, 1, at - 1)
    domain = Substr(email, at + 1)
    plus = StrIndex(local, Value("+"))
    untagged = Case(When(Q(plus__gt=1), then=Substr(local, 1, plus - 1)), default=local, output_field=CharField())
    google = Q(domain_part__in=["gmail.com", "googlemail.com"])
    return local, domain, plus, untagged, google


def fill_canonical(apps, schema_editor):
    User = apps.get_model("registration", "User")
    local, domain, plus, untagged, google = canonical_sql()
    users = User.objects.annotate(domain_part=domain, plus=plus, untagged=untagged)
    users.filter(google).update(email_canonical=Concat(Replace("untagged", Value("."), Value("")), Value("@gmail.com"),
                                                       output_field=CharField()))
    users.exclude(google).update(email_canonical=Concat("untagged", Value("@"), "domain_part",
                                                        output_field=CharField()))
    # Accounts that already share an inbox: the oldest keeps it, the others keep their e-mail and no canonical
    # form (they can still log in; the constraint allows several NULLs).
    shared = (User.objects.values("email_canonical").annotate(n=Count("pk"), first=Min("pk")).filter(n__gt=1))
    for row in shared:
        User.objects.filter(email_canonical=row["email_canonical"]).exclude(pk=row["first"]).update(
            email_canonical=None)


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('registration', '0003_wave_selected_by'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='email_canonical',
            field=models.CharField(editable=False, max_length=254, null=True, verbose_name='inbox (canonical e-mail)'),
        ),
        migrations.RunPython(fill_canonical, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(fields=('email_canonical',), name='user_email_canonical_unique'),
        ),
    ]
