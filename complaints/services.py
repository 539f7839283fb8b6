"""Workflows of the complaints app: filing, triage and notes. Each change is one transaction."""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import conf
from complaints.addresses import Address, AddressTooLong, TargetKind, normalise_address, normalise_url
from complaints.models import (
    Complaint, ComplaintNote, Evidence, KominfoExport, NikMisuseEvidence, NikMisuseReport, ReportedTarget, Suspension,
    TriageStatus, new_reference,
)
from complaints.uploads import CheckedUpload
from prakerja.lib.digest import keyed_digest
from prakerja.lib.identity import canonical_email
from prakerja.lib.outbox import enqueue_on_commit
from registration.models import Applicant, User

logger = logging.getLogger(__name__)


class ComplaintError(Exception):
    """A refused triage change; str() is a message for staff in their language."""


# Where a complaint may go from each status. Back to "new" never: someone has looked at it.
TRANSITIONS: dict[str, frozenset[str]] = {
    TriageStatus.NEW: frozenset({TriageStatus.IN_REVIEW, TriageStatus.FORWARDED_KOMINFO,
                                 TriageStatus.FORWARDED_BARESKRIM, TriageStatus.CLOSED}),
    TriageStatus.IN_REVIEW: frozenset({TriageStatus.FORWARDED_KOMINFO, TriageStatus.FORWARDED_BARESKRIM,
                                       TriageStatus.CLOSED}),
    # A fake site goes to Kominfo for blocking and to Bareskrim for investigation: either may follow the other.
    TriageStatus.FORWARDED_KOMINFO: frozenset({TriageStatus.FORWARDED_BARESKRIM, TriageStatus.IN_REVIEW,
                                               TriageStatus.CLOSED}),
    TriageStatus.FORWARDED_BARESKRIM: frozenset({TriageStatus.FORWARDED_KOMINFO, TriageStatus.IN_REVIEW,
                                                 TriageStatus.CLOSED}),
    TriageStatus.CLOSED: frozenset({TriageStatus.IN_REVIEW}),  # reopened
}

_MAX_REFERENCE_TRIES = 5


def _merge_into_target(*, raw_address: str, now) -> ReportedTarget:
    """The target for this address, created on its first report; its count and last-report time move up.

    normalise_address never returns a value wider than the column (it raises AddressTooLong instead), so no
    DataError can come from here on PostgreSQL.
    """
    address = normalise_address(raw_address)
    try:
        # A savepoint: when a concurrent first report of the same address wins the insert, the unique
        # constraint reported_target_unique_address fails this one and the existing row is used instead.
        with transaction.atomic():
            target, created = ReportedTarget.objects.get_or_create(
                kind=address.kind, address=address.value,
                defaults={"report_count": 1, "first_reported_at": now, "last_reported_at": now},
            )
    except IntegrityError:
        target, created = ReportedTarget.objects.get(kind=address.kind, address=address.value), False
    if not created:
        # Incremented in SQL, never read-modify-write: two reports of one site at once both count.
        ReportedTarget.objects.filter(pk=target.pk).update(report_count=F("report_count") + 1, last_reported_at=now)
    return target


def file_complaint(
    *,
    kind: str,
    address: str,
    description: str,
    loss: str = "",
    amount_lost: int | None = None,
    reporter_email: str,
    reporter_phone: str = "",
    evidence: Sequence[CheckedUpload] = (),
    police_report: CheckedUpload | None = None,
    filed_by: User | None = None,
    language: str = "id",
    form_token: str | None = None,
) -> Complaint:
    """Store a complaint with its files, merge its address into a ReportedTarget and e-mail the receipt.

    The files are written under MEDIA_ROOT with random names; if the transaction fails they are removed again.
    The receipt e-mail is queued only once the complaint is committed. Raises AddressError (AddressTooLong when
    it is too long to store) for an address the form would have refused; nothing is stored then.

    `form_token` is the signed token of the form rendering posted (complaints.forms.issue_form_token): when a
    complaint was already filed from it, that complaint is returned and nothing else happens (no second
    complaint, count or receipt), also when both posts arrive at once.
    """
    from complaints.tasks import send_receipt

    if len(address) > Complaint._meta.get_field("address_as_reported").max_length:
        raise AddressTooLong("as_reported")

    form_digest = keyed_digest(form_token) if form_token else None
    if form_digest is not None and (filed := Complaint.objects.filter(form_digest=form_digest).first()):
        return filed

    now = timezone.now()
    written: list[Evidence] = []
    try:
        with transaction.atomic():
            target = _merge_into_target(raw_address=address, now=now)
            for attempt in range(_MAX_REFERENCE_TRIES):
                try:
                    # A savepoint per try: a reference collision (1 in 2^40 per existing complaint) retries.
                    with transaction.atomic():
                        complaint = Complaint.objects.create(
                            reference=new_reference(), kind=kind, target=target, address_as_reported=address,
                            description=description, loss=loss, amount_lost=amount_lost,
                            reporter_email=reporter_email.strip().lower(), reporter_phone=reporter_phone,
                            filed_by=filed_by if filed_by and filed_by.is_authenticated else None,
                            language=language, created_at=now, form_digest=form_digest,
                        )
                    break
                except IntegrityError:
                    if form_digest is not None and Complaint.objects.filter(form_digest=form_digest).exists():
                        # The same form, posted at the same moment, won complaint_form_digest_unique: undo
                        # this post's target count and files, and answer with that complaint.
                        raise _AlreadyFiled from None
                    if attempt == _MAX_REFERENCE_TRIES - 1:
                        raise
            files = [(Evidence.Kind.EVIDENCE, item) for item in evidence]
            if police_report is not None:
                files.append((Evidence.Kind.POLICE_REPORT, police_report))
            for file_kind, item in files:
                _store_file(Evidence(complaint=complaint, kind=file_kind, original_name=(item.upload.name or "")[:255]),
                            item, now=now, written=written)
            # Through the outbox: a broker that is down delays the receipt; the reporter still sees the reference.
            enqueue_on_commit(send_receipt, complaint_id=complaint.pk, language=language)
    except BaseException as exc:
        for stored in written:
            stored.file.delete(save=False)
        if isinstance(exc, _AlreadyFiled):
            return Complaint.objects.get(form_digest=form_digest)
        raise
    return complaint


class _AlreadyFiled(Exception):
    """Raised inside file_complaint's transaction to roll it back when a concurrent post of the same form won."""


def _store_file(stored: Evidence | NikMisuseEvidence, item: CheckedUpload, *, now, written: list) -> None:
    """Write a checked upload under a random name and save its row; `written` collects it for clean-up."""
    stored.content_type, stored.size, stored.uploaded_at = item.content_type, item.upload.size, now
    item.upload.seek(0)
    stored.file.save("upload", item.upload, save=False)
    written.append(stored)
    stored.save()


def file_nik_misuse_report(
    *,
    reporter: User,
    nik: str,
    statement: str,
    evidence: Sequence[CheckedUpload] = (),
    language: str = "id",
) -> NikMisuseReport:
    """Store a NIK misuse report (docs/DOMAIN.md, "NIK misuse") with its files, linked to `reporter`'s account.

    `nik` is the 16 digits the form validated. Never merged with another report: no ReportedTarget. The files
    are written with random names and removed again if the transaction fails.
    """
    now = timezone.now()
    written: list[NikMisuseEvidence] = []
    try:
        with transaction.atomic():
            report = NikMisuseReport.objects.create(reporter=reporter, nik=nik, statement=statement,
                                                    language=language, created_at=now)
            for item in evidence:
                _store_file(NikMisuseEvidence(report=report), item, now=now, written=written)
    except BaseException:
        for stored in written:
            stored.file.delete(save=False)
        raise
    # Ids only: the NIK never reaches a log line.
    logger.info("NIK misuse report %s filed by user %s", report.pk, reporter.pk)
    return report


def nik_holder(*, report: NikMisuseReport) -> Applicant | None:
    """The account whose profile holds the reported NIK (one at most: Applicant.nik is unique), else None."""
    return Applicant.objects.select_related("user").filter(nik=report.nik).first()


def suspend_registrations(*, report: NikMisuseReport, by: User, reason: str) -> Suspension:
    """Hold every registration of the account holding the reported NIK pending review, recording who, when, why.

    Raises ComplaintError when the reason is empty, no account holds the NIK, the holder is the reporter, or the
    holder is already suspended (the partial unique constraint suspension_one_active_per_applicant closes the
    race of two staff members suspending at once).
    """
    reason = reason.strip()
    if not reason:
        raise ComplaintError(_("Give the reason for the suspension."))
    holder = nik_holder(report=report)
    if holder is None:
        raise ComplaintError(_("No account holds this NIK: there is nothing to suspend."))
    if holder.user_id == report.reporter_id:
        raise ComplaintError(_("The account holding this NIK is the reporter's own account."))
    try:
        with transaction.atomic():
            suspension = Suspension.objects.create(applicant=holder, report=report, reason=reason, suspended_by=by)
    except IntegrityError:
        raise ComplaintError(_("This account's registrations are already suspended.")) from None
    logger.info("registrations of user %s suspended by user %s (NIK misuse report %s)",
                holder.user_id, by.pk, report.pk)
    return suspension


def lift_suspension(*, suspension: Suspension, by: User, reason: str) -> Suspension:
    """End a suspension, recording who, when and why. Raises ComplaintError for an empty reason or a suspension
    already lifted (a conditional UPDATE: two staff members lifting at once record one lift)."""
    reason = reason.strip()
    if not reason:
        raise ComplaintError(_("Give the reason for lifting the suspension."))
    with transaction.atomic():
        lifted = Suspension.objects.active().filter(pk=suspension.pk).update(
            lifted_at=timezone.now(), lifted_by=by, lift_reason=reason)
    if not lifted:
        raise ComplaintError(_("This suspension was already lifted."))
    suspension.refresh_from_db()
    return suspension


def change_status(*, complaint: Complaint, to: str, by: User, note: str = "") -> Complaint:
    """Move a complaint to another triage status, recording who and when (django-simple-history).

    Raises ComplaintError for a move TRANSITIONS does not allow (including to the status it already has).
    The complaint's target takes the same status, and remembers when it was first forwarded to each agency.
    """
    with transaction.atomic():
        # Row lock: two staff members acting on one complaint at once apply their changes one after the other,
        # each checking the transition against the status the other left.
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if to not in TRANSITIONS.get(locked.status, frozenset()):
            raise ComplaintError(
                _("%(reference)s cannot go from “%(old)s” to “%(new)s”.")
                % {"reference": locked.reference, "old": locked.get_status_display(),
                   "new": TriageStatus(to).label}
            )
        now = timezone.now()
        locked.status = to
        locked.status_changed_at = now
        locked._history_user = by
        locked._change_reason = note[:100] if note else None
        locked.save(update_fields=["status", "status_changed_at"])
        target_changes = {"status": to, "status_changed_at": now}
        targets = ReportedTarget.objects.filter(pk=locked.target_id)
        targets.update(**target_changes)
        if to == TriageStatus.FORWARDED_KOMINFO:
            targets.filter(kominfo_forwarded_at__isnull=True).update(kominfo_forwarded_at=now)
        elif to == TriageStatus.FORWARDED_BARESKRIM:
            targets.filter(bareskrim_forwarded_at__isnull=True).update(bareskrim_forwarded_at=now)
        if note:
            ComplaintNote.objects.create(complaint=locked, author=by, text=note, created_at=now)
    return locked


def record_target_check(*, target: ReportedTarget, by: User, leads_to: str = "", note: str = "") -> ReportedTarget:
    """Record what staff found when they opened a reported address: where a short link leads, what they saw.

    Kept with who and when (the Kominfo export shows it). Raises ComplaintError when both are empty.
    """
    leads_to, note = leads_to.strip(), note.strip()
    if not (leads_to or note):
        raise ComplaintError(_("Say what you checked, or where the link leads."))
    with transaction.atomic():
        ReportedTarget.objects.filter(pk=target.pk).update(leads_to=leads_to[:500], check_note=note,
                                                           checked_at=timezone.now(), checked_by=by)
    target.refresh_from_db()
    return target


def official_domain() -> str:
    """The official site's domain: settings.OFFICIAL_SITE_URL as the complaint addresses are normalised
    (addresses.normalise_url: no scheme, `www.` or path), e.g. prakerja.go.id."""
    return normalise_url(settings.OFFICIAL_SITE_URL).value


def is_official_site(address: Address) -> bool:
    """Whether a normalised complaint address is the official site or one of its subdomains (never a fake site;
    kominfo_targets leaves the same addresses out)."""
    if address.kind != TargetKind.WEBSITE:
        return False
    host, domain = address.value.split("/", 1)[0], official_domain()
    return host == domain or host.endswith("." + domain)


def kominfo_targets() -> QuerySet[ReportedTarget]:
    """The fake sites Kominfo is asked to block: web addresses staff confirmed by forwarding them to Kominfo
    (and not reopened for review since), never the official site itself or any of its subdomains, whoever reported
    them (a blocking request for prakerja.go.id would take the programme offline)."""
    official = re.escape(official_domain())
    return (ReportedTarget.objects.fake_sites()
            .filter(kominfo_forwarded_at__isnull=False)
            .exclude(status__in=[TriageStatus.NEW, TriageStatus.IN_REVIEW])
            .exclude(address__iregex=rf"^([^/:]*\.)?{official}([:/]|$)"))


def start_kominfo_export(*, by: User, new_only: bool) -> tuple[KominfoExport, QuerySet[ReportedTarget]]:
    """Record an export and return the targets it holds: every confirmed fake site (kominfo_targets), or with
    `new_only` those first reported after the previous export (all of them when there was none)."""
    with transaction.atomic():
        previous = KominfoExport.objects.select_for_update().first()
        since = previous.at if new_only and previous else None
        export = KominfoExport.objects.create(by=by, new_only=new_only, since=since)
    targets = kominfo_targets()
    if since is not None:
        targets = targets.filter(first_reported_at__gt=since)
    return export, targets


def add_note(*, complaint: Complaint, by: User, text: str) -> ComplaintNote:
    """A staff note on a complaint; notes are never edited afterwards."""
    text = text.strip()
    if not text:
        raise ComplaintError(_("A note cannot be empty."))
    with transaction.atomic():
        return ComplaintNote.objects.create(complaint=complaint, author=by, text=text)


def mark_receipt_sent(*, complaint_id: int) -> bool:
    """Claim the receipt e-mail: True for exactly one caller, so a task run twice sends it once; False too when
    the reporter's inbox already got COMPLAINT_RECEIPTS_PER_INBOX_PER_DAY receipts in the last 24 hours.

    The form takes any address, so without that limit eight complaints from eight client addresses would put
    eight receipts in one victim's inbox. Counted in the database (not the cache), per canonical inbox
    (prakerja.lib.identity.canonical_email: case, `+tags`, Gmail's dots). The reporter still sees the reference
    on the page and can look the complaint up.
    """
    now = timezone.now()
    complaint = Complaint.objects.filter(pk=complaint_id, receipt_sent_at__isnull=True).only("reporter_email").first()
    if complaint is None:
        return False
    if _receipts_since(complaint.reporter_email, since=now - dt.timedelta(days=1)) >= conf.receipts_per_inbox_per_day():
        logger.warning("complaint %s: no receipt, its inbox had the day's receipts already", complaint_id)
        return False
    return bool(Complaint.objects.filter(pk=complaint_id, receipt_sent_at__isnull=True).update(receipt_sent_at=now))


def _receipts_since(email: str, *, since: dt.datetime) -> int:
    """Receipts sent to `email`'s inbox since `since`: recent receipts to addresses with the same first letter
    (every canonical form keeps it, whatever the domain alias), compared canonically."""
    inbox = canonical_email(email)
    sent_to = Complaint.objects.filter(receipt_sent_at__gte=since, reporter_email__istartswith=email.strip()[:1])
    return sum(1 for address in sent_to.values_list("reporter_email", flat=True) if canonical_email(address) == inbox)


def release_receipt(*, complaint_id: int) -> None:
    """Undo mark_receipt_sent after a failed send, so that the retry may claim it again."""
    Complaint.objects.filter(pk=complaint_id).update(receipt_sent_at=None)


def remove_expired_evidence(*, batch: int = 500) -> int:
    """Delete the files of complaints closed longer ago than COMPLAINT_EVIDENCE_RETENTION_DAYS; returns how many.

    PDP law: screenshots, transfer receipts and police reports are personal data, kept only while they serve the
    case. A closed complaint keeps its record, notes and history; only its files go, and `evidence_removed_at`
    says when. A complaint reopened meanwhile (its status no longer closed) keeps its files: the candidates are
    locked and checked again before anything is deleted. At most `batch` complaints per call.
    The files leave the disk only once the rows' deletion is committed.
    """
    cutoff = timezone.now() - dt.timedelta(days=conf.evidence_retention_days())
    expired = Complaint.objects.filter(status=TriageStatus.CLOSED, status_changed_at__lt=cutoff)
    with transaction.atomic():
        candidates = expired.filter(Exists(Evidence.objects.filter(complaint=OuterRef("pk"))))
        locked = list(expired.select_for_update(skip_locked=True)
                      .filter(pk__in=list(candidates.values_list("pk", flat=True)[:batch]))
                      .values_list("pk", flat=True))
        files = Evidence.objects.filter(complaint_id__in=locked)
        names = list(files.values_list("file", flat=True))
        files.delete()
        Complaint.objects.filter(pk__in=locked).update(evidence_removed_at=timezone.now())
        transaction.on_commit(lambda: _delete_files(names))
    return len(names)


def _delete_files(names: list[str]) -> None:
    """Each file on its own: one that cannot be deleted (permissions, a remote store) is logged by its random
    name for an operator and does not keep the others on disk."""
    storage = Evidence._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("complaint retention: could not delete the file %s; delete it by hand", name)
