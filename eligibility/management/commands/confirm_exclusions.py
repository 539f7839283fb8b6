"""`python manage.py confirm_exclusions VERSION --by EMAIL [--discard]`: decide on a load held for confirmation."""
from __future__ import annotations

import sys

from django.utils.translation import gettext_lazy as _

from eligibility.lists.reasons import bad_rows_by_reason
from eligibility.lists.services import ListDecisionError, confirm_exclusion_list, discard_exclusion_list
from eligibility.models.lists import ExclusionList
from prakerja.lib import cli


class Command(cli.Command):
    help = (
        "Confirm (make it the list in force) or, with --discard, discard an exclusion list load held for "
        "confirmation because of its bad rows or its size. Prints its figures first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("version", type=int, help="the held load's version number (its id)")
        parser.add_argument("--by", metavar="EMAIL", required=True, help="the staff account that decides")
        parser.add_argument("--discard", action="store_true", help="discard the load instead of confirming it")

    def handle(self, *args, version: int, by: str, discard: bool = False, **options) -> None:
        user = cli.staff_account(by)
        held = ExclusionList.objects.filter(pk=version).first()
        if held is None:
            raise cli.command_error(_("There is no exclusion list version %(version)s."), version=version)
        write_figures(self, held)
        try:
            decided = (discard_exclusion_list if discard else confirm_exclusion_list)(version_id=version, by=user)
        except ListDecisionError as exc:
            raise cli.refused(exc) from None
        write_decision(self, decided)


def write_figures(command, version: ExclusionList) -> None:
    """The figures staff decide on: rows before and after, bad rows by reason with a masked example."""
    write = command.stdout.write
    write(cli.bilingual(_("%(list)s waits for confirmation: the list in force did not change."), {"list": version})
          if version.status == ExclusionList.Status.NEEDS_CONFIRMATION else str(version))
    share = 100 * version.bad_row_count / version.line_count if version.line_count else 0
    for label, value in [
        (_("rows in the list in force"), "-" if version.previous_row_count is None else f"{version.previous_row_count:,}"),
        (_("rows loaded"), f"{version.row_count:,}"),
        (_("bad rows"), f"{version.bad_row_count:,} ({share:.1f}%)"),
    ]:
        write(f"  {cli.bilingual(label) + ':':<40}{value:>16}")
    for group in bad_rows_by_reason(version):
        sample = group["samples"][0] if group["samples"] else None
        example = f"  (line {sample['line']}: {sample['value'] or '-'}; {cli.bilingual(sample['cause'])})" \
            if sample and sample["cause"] else ""
        write(f"    {group['count']:>10,}  {cli.bilingual(group['label'])}{example}")


def write_decision(command, version: ExclusionList) -> None:
    if version.status == ExclusionList.Status.ACTIVE:
        command.stdout.write(command.style.SUCCESS(cli.bilingual(
            _("Confirmed: %(list)s is now the list in force."), {"list": version})))
    else:
        command.stdout.write(command.style.WARNING(cli.bilingual(
            _("Discarded: %(list)s; the list in force did not change."), {"list": version})))


def held_for_confirmation(command, version: ExclusionList, *, confirm: bool, by) -> ExclusionList:
    """import_exclusions' choice for a held load: --confirm, a question on a terminal, or how to decide later."""
    write_figures(command, version)
    if not confirm and by is not None and sys.stdin.isatty():
        answer = input(cli.bilingual(_("Make it the list in force? [y/N] ")))
        confirm = answer.strip().lower() in {"y", "ya", "yes"}
    if confirm:
        version = confirm_exclusion_list(version_id=version.pk, by=by)
        write_decision(command, version)
        return version
    command.stdout.write(command.style.WARNING(cli.bilingual(
        _("To make it the list in force: manage.py confirm_exclusions %(id)s --by EMAIL; to discard it: "
          "manage.py confirm_exclusions %(id)s --by EMAIL --discard (or in the admin)."), {"id": version.pk})))
    return version
