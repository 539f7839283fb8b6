"""Write a wave's screening report CSV to a file, as the report page's downloads do, and audit it."""
from __future__ import annotations

import getpass
import os

from django.utils.translation import gettext_lazy as _

from prakerja.lib import cli
from reports import services
from reports.models import AuditEntry


class Command(cli.Command):
    help = (
        "Write the screening results of wave NUMBER (or its summary, or its joki clusters) as CSV to --output. "
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
        parser.add_argument("--full-nik", action="store_true", help="whole NIK, KK, name and phone (personal data)")
        parser.add_argument("--by", default="", help="e-mail of the staff member the export is for (audit log)")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, number: int, status: str, reason: str, summary: bool, clusters: bool, full_nik: bool,
               by: str, output: str, **options) -> None:
        if summary and clusters:
            raise cli.command_error(_("Give --summary or --clusters, not both."))
        kind = AuditEntry.Kind.SUMMARY if summary else AuditEntry.Kind.CLUSTERS if clusters else AuditEntry.Kind.RESULTS
        if kind != AuditEntry.Kind.RESULTS and (status or reason):
            raise cli.command_error(_("--status and --reason filter the result rows only."))
        wave = cli.get_wave(number)
        try:
            status, reason = services.parse_filters(status=status, reason=reason)
            user = self._user(by, full_nik=full_nik)
            # An operator can wait: a missing summary is computed here, whatever the wave's size.
            summary = services.exportable_summary(wave=wave, kind=kind, build=True)
        except services.ReportError as exc:
            raise cli.refused(exc) from None
        path = os.path.abspath(output)
        try:
            handle = open(path, "wb")  # noqa: SIM115 - closed below, after the stream
        except OSError as exc:
            raise cli.command_error(_("Cannot write %(path)s: %(problem)s."), path=path, problem=exc.strerror) from None
        with handle:
            blocks, counter = services.export(wave=wave, kind=kind, status=status, reason=reason,
                                              full_identity=full_nik, summary=summary)
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

    def _user(self, email: str, *, full_nik: bool):
        if not email:
            return None
        user = cli.staff_account(email)
        needed = [services.PERM_DOWNLOAD] + ([services.PERM_FULL_NIK] if full_nik else [])
        missing = [perm for perm in needed if not user.has_perm(perm)]
        if missing:
            raise cli.command_error(_("--by %(email)s: the account lacks the permission %(missing)s."),
                                    email=email, missing=", ".join(missing))
        return user
