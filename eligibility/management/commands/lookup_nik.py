"""`python manage.py lookup_nik NIK [--category CATEGORY]`: is this NIK on the active exclusion lists?"""
from django.utils.translation import gettext_lazy as _

from eligibility.lists.services import is_nik_on_list, masked
from eligibility.models.lists import ListCategory
from prakerja.lib import cli


class Command(cli.Command):
    help = ("Whether a NIK is on the active exclusion lists (or on one list, with --category), as the admin's "
            "look-up answers. The NIK is only digested, and shown masked.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("nik", help="the 16-digit NIK (spaces, dots and dashes are ignored)")
        parser.add_argument("--category", choices=ListCategory.values, help="look on this list only")

    def handle(self, *args, nik: str, category: str | None = None, **options) -> None:
        try:
            found = is_nik_on_list(nik=nik, category=category)
        except ValueError as exc:
            # The refusal names the problem, never the number typed.
            raise cli.command_error(_("Not a NIK: %(problem)s"), problem=str(exc)) from None
        shown = masked(nik)
        if found:
            self.stdout.write(cli.bilingual(_("NIK %(nik)s is on: %(lists)s."),
                                            {"nik": shown, "lists": ", ".join(str(v) for v in found)}))
        else:
            self.stdout.write(cli.bilingual(_("NIK %(nik)s is on none of the lists searched (%(searched)s)."),
                                            {"nik": shown, "searched": category or _("every active list")}))
