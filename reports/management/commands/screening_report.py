"""Write a wave's screening report file (CSV or .xlsx) to a file, as the report page's downloads do, and audit it."""
from __future__ import annotations

import getpass
import os

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from prakerja.lib import cli
from reports import services
from reports.models import AuditEntry


class Command(cli.Command):
    help = (
        "Write the screening results of wave NUMBER (or its summary, its joki clusters, or the selected applicants' "
        "contact details) as CSV, or as .xlsx for results and contacts, to --output. "
        "NIK, KK, names and phones are masked unless --full-nik. Every run is recorded in the report audit log "
        "under --by (a staff e-mail that must hold the report permissions) or, without it, "
        "'command-line:<OS user>'."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", type=cli.wave_number, help="wave number")
        parser.add_argument("--status", default="", help="only eligible or ineligible registrations")
        parser.add_argument("--reason", default="", help="only ineligible registrations with this reason code")
        parser.add_argument("--summary", action="store_true", help="write the summary instead of the result rows")
        parser.add_argument("--clusters", action="store_true", help="write the joki clusters instead of the result rows")
        parser.add_argument("--contacts", action="store_true",
                            help="write the selected applicants with their contact details (whole personal data)")
        parser.add_argument("--full-nik", action="store_true", help="whole NIK, KK, name and phone (personal data)")
        parser.add_argument("--format", choices=list(services.FORMATS), default="csv", dest="file_format",
                            help="csv, or xlsx (results and contacts; text cells, at most 1,048,575 rows)")
        parser.add_argument("--delimiter", choices=[",", ";"], default=",",
                            help="CSV delimiter: , or ; (Excel with Indonesian regional settings expects ;)")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE, help="language of the headers and status values")
        parser.add_argument("--by", default="", help="e-mail of the staff member the export is for (audit log)")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, number: int, status: str, reason: str, summary: bool, clusters: bool, contacts: bool,
               full_nik: bool, file_format: str, delimiter: str, language: str, by: str, output: str,
               **options) -> None:
        if summary + clusters + contacts > 1:
            raise cli.command_error(_("Give one of --summary, --clusters and --contacts."))
        kind = (AuditEntry.Kind.SUMMARY if summary else AuditEntry.Kind.CLUSTERS if clusters
                else AuditEntry.Kind.CONTACTS if contacts else AuditEntry.Kind.RESULTS)
        full_nik = full_nik or contacts  # the contacts file is whole by nature
        if file_format == "xlsx" and kind not in (AuditEntry.Kind.RESULTS, AuditEntry.Kind.CONTACTS):
            raise cli.command_error(_("--format xlsx is for the result rows and the contacts only."))
        if kind != AuditEntry.Kind.RESULTS and (status or reason):
            raise cli.command_error(_("--status and --reason filter the result rows only."))
        wave = cli.get_wave(number)
        try:
            status, reason = services.parse_filters(status=status, reason=reason)
            user = self._user(by, full_nik=full_nik, contacts=contacts)
            # An operator can wait: a missing summary is computed here, whatever the wave's size.
            summary = services.exportable_summary(wave=wave, kind=kind, build=True)
            with translation.override(language):  # headers and status values are fixed here
                blocks, counter = services.export(wave=wave, kind=kind, status=status, reason=reason,
                                                  full_identity=full_nik, summary=summary, file_format=file_format,
                                                  delimiter=delimiter)
        except services.ReportError as exc:
            raise cli.refused(exc) from None
        path = os.path.abspath(output)
        try:
            handle = open(path, "wb")  # noqa: SIM115 - closed below, after the stream
        except OSError as exc:
            raise cli.command_error(_("Cannot write %(path)s: %(problem)s."), path=path, problem=exc.strerror) from None
        with handle:
            entry = services.record_access(
                user=user, actor=user.email if user else f"command-line:{getpass.getuser()}",
                action=AuditEntry.Action.COMMAND, wave=wave, kind=kind, status=status, reason=reason,
                full_identity=full_nik, output=path,
            )
            for block in services.audited(entry, blocks, counter):
                handle.write(block)
        message = (_("Wrote %(rows)s rows (whole NIK and KK) to %(path)s.") if full_nik
                   else _("Wrote %(rows)s rows (masked) to %(path)s."))
        self.stdout.write(self.style.SUCCESS(cli.bilingual(message, {"rows": counter[0], "path": path})))

    def _user(self, email: str, *, full_nik: bool, contacts: bool):
        if not email:
            return None
        user = cli.staff_account(email)
        needed = ([services.PERM_CONTACTS] if contacts
                  else [services.PERM_DOWNLOAD] + ([services.PERM_FULL_NIK] if full_nik else []))
        missing = [perm for perm in needed if not user.has_perm(perm)]
        if missing:
            raise cli.command_error(_("--by %(email)s: the account lacks the permission %(missing)s."),
                                    email=email, missing=", ".join(missing))
        return user
