"""`python manage.py import_exclusions CATEGORY FILE [--yes] [--confirm --by EMAIL] [--bad-rows OUT.csv]`: load a list file too large to
upload."""
from __future__ import annotations


from pathlib import Path

from django.utils.translation import gettext_lazy as _

from eligibility.lists.confirm import replacement_statement
from eligibility.lists.reasons import bad_rows_file
from eligibility.lists.services import ListFileError, check_list_upload, load_exclusion_list
from eligibility.management.commands.confirm_exclusions import held_for_confirmation
from eligibility.models.lists import ExclusionList, ListCategory
from prakerja.lib import cli


class Command(cli.Command):
    help = (
        "Load a CSV, .xlsx or .ods file (header with a 'nik' column; the prior_awardee list may add 'kk') as the "
        "new list of CATEGORY. It replaces the category's list atomically once fully loaded, unless its figures "
        "hold it for confirmation (asked here on a terminal, or --confirm; later: confirm_exclusions). Categories: "
        + ", ".join(ListCategory.values)
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("category", help="one of: " + ", ".join(ListCategory.values))
        parser.add_argument("file", help="path of the CSV file (UTF-8), or of an .xlsx or .ods spreadsheet")
        parser.add_argument("--by", metavar="EMAIL", help="the staff account to record as having loaded the list")
        parser.add_argument("--bad-rows", metavar="FILE",
                            help="write the bad rows (line, reason, masked value, likely cause) to this CSV file")
        parser.add_argument("--confirm", action="store_true",
                            help="if the load is held for confirmation (many bad rows, or a much smaller list), "
                                 "make it the list in force anyway, recorded with --by (required then)")
        cli.add_yes(parser)

    def handle(self, *args, category: str, file: str, by: str | None = None, bad_rows: str | None = None,
               confirm: bool = False, yes: bool = False, **options) -> None:
        if category not in ListCategory.values:
            raise cli.command_error(_("Unknown list category “%(category)s”: use one of %(choices)s."),
                                    category=category, choices=", ".join(ListCategory.values))
        path = Path(file)
        if not path.is_file():
            raise cli.command_error(_("File not found: %(path)s"), path=path)
        user = cli.staff_account(by) if by else None
        if confirm and user is None:
            raise cli.command_error(_("--confirm needs --by EMAIL: a confirmation records the staff member."))
        # A file refused as a whole is refused before anyone is asked to confirm loading it.
        try:
            with open(path, "rb") as upload:
                check_list_upload(category=category, upload=upload)
        except ListFileError as exc:
            raise cli.refused(exc) from None
        cli.confirm(self, replacement_statement(category=category, file_name=path.name, size=path.stat().st_size),
                    yes=yes)
        try:
            version = load_exclusion_list(category=category, path_or_file=path, file_name=path.name, by=user)
        except ListFileError as exc:
            raise cli.refused(exc) from None
        if version.status == ExclusionList.Status.NEEDS_CONFIRMATION:
            version = held_for_confirmation(self, version, confirm=confirm, by=user)
        if version.status == ExclusionList.Status.ACTIVE:
            self.stdout.write(self.style.SUCCESS(cli.bilingual(
                _("Loaded %(file)s as %(list)s (now active)."), {"file": path.name, "list": version})))
        counts = [(_("lines read"), version.line_count), (_("rows loaded"), version.row_count),
                  (_("duplicate rows"), version.duplicate_count), (_("bad rows"), version.bad_row_count)]
        if category == ListCategory.PRIOR_AWARDEE:
            # Part of the rows loaded: their NIK is on the list, their invalid KK is not.
            counts.append((_("rows loaded without their invalid KK"), version.kk_dropped_count))
        for label, count in counts:
            self.stdout.write(f"  {cli.bilingual(label) + ':':<40}{count:>12,}")
        if bad_rows:
            self._write_bad_rows(version, Path(bad_rows))
        elif version.bad_row_count or version.kk_dropped_count:
            self.stdout.write("  " + cli.bilingual(
                _("Line numbers and reasons: download them from the exclusion list's admin page, or load again "
                  "with --bad-rows FILE.")))

    def _write_bad_rows(self, version, path: Path) -> None:
        """The admin download's file (masked values, never a whole NIK)."""
        with open(path, "w", newline="", encoding="utf-8") as out:
            out.writelines(bad_rows_file(version))
        self.stdout.write("  " + cli.bilingual(_("Bad rows written to %(path)s."), {"path": path}))
