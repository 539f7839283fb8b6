"""Workflows of the reports app: the stored summary of a wave, the CSV downloads and their audit.

Everything that reads a wave's registrations does it in SQL: aggregates with GROUP BY / FILTER for the
summary, window functions for joki clusters, and one ordered query read through a server-side cursor
for a file (its rows are formatted and masked inside the query, so Python only hands tuples to the one
file writer, prakerja.lib.csvfile).
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import Concat, Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from eligibility.models import ReasonCode, ScreeningResult, ScreeningRun
from eligibility.models.screening import Phase, ScreeningPartition
from prakerja.lib import csvfile
from prakerja.lib.csvfile import CHUNK_ROWS, Column
from prakerja.lib.identity import PROVINCE_CODES
from prakerja.lib.privacy import WHOLE_VALUES_PERMISSION, MaskedName, MaskedNumber, MaskedPhone, mask_phone
from prakerja.lib.messages import TranslatableError
from prakerja.lib.timefmt import WIB, format_wib_many, iso_wib
from registration.models import Applicant, Registration, User, Wave
from reports.models import AuditEntry, JokiCluster, WaveSummary
from reports.sql import JsonSlice, ProvinceName, WibIsoformat, clusters_sql, json_slice_sql

RESULT_COLUMNS = ["wave", "nik", "kk", "full_name", "province", "registered_at", "status", "reasons", "selected", "rank"]
LIST_REASONS = [code for code in ReasonCode if code != ReasonCode.KK_LIMIT]

PERM_VIEW = "reports.view_wave_report"
PERM_DOWNLOAD = "reports.download_wave_report"
PERM_FULL_NIK = WHOLE_VALUES_PERMISSION  # the one permission for whole personal data
PERM_CONTACTS = "reports.download_contacts"

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Column headers of the files, in the reader's language (the keys are the columns' stable names).
COLUMN_LABELS = {
    "wave": pgettext_lazy("file column", "wave"), "nik": pgettext_lazy("file column", "nik"),
    "kk": pgettext_lazy("file column", "kk"), "full_name": pgettext_lazy("file column", "full_name"),
    "province": pgettext_lazy("file column", "province"),
    "registered_at": pgettext_lazy("file column", "registered_at"),
    "status": pgettext_lazy("file column", "status"), "reasons": pgettext_lazy("file column", "reasons"),
    "selected": pgettext_lazy("file column", "selected"), "rank": pgettext_lazy("file column", "rank"),
    "signal": pgettext_lazy("file column", "signal"), "cluster": pgettext_lazy("file column", "cluster"),
    "key": pgettext_lazy("file column", "key"), "size": pgettext_lazy("file column", "size"),
    "phone": pgettext_lazy("file column", "phone"), "email": pgettext_lazy("file column", "email"),
    "seconds_since_signup": pgettext_lazy("file column", "seconds_since_signup"),
    "section": pgettext_lazy("file column", "section"), "code": pgettext_lazy("file column", "code"),
    "label": pgettext_lazy("file column", "label"), "value": pgettext_lazy("file column", "value"),
}
# Digits a spreadsheet must keep as text (prakerja.lib.csvfile).
TEXT_COLUMNS = frozenset({"nik", "kk", "phone"})


def columns(keys: list[str], *, prefix: str = "") -> list[Column]:
    """Columns for the file writer: `prefix + key` names the row field, the header is the key's label in
    the active language (evaluated now: a streamed file is written after the view has returned)."""
    return [Column(prefix + key, str(COLUMN_LABELS[key]), as_text=key in TEXT_COLUMNS) for key in keys]


class ReportError(TranslatableError):
    """A refused report request (bad filter, screening not finished); str() is a message for staff."""


# --- Which run a report shows ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportState:
    run: ScreeningRun | None  # the newest finished run, or None
    newer_run_running: bool  # a run started after it is still going: its results are being replaced
    summary: WaveSummary | None
    computing: bool = False  # the summary is being computed by a worker (big wave): come back shortly
    # A run started after it stopped (failed) having replaced part of its results: the result table mixes
    # two runs until a retry finishes, so nothing is shown or exported.
    newer_run_failed: bool = False


def latest_done_run(*, wave: Wave) -> tuple[ScreeningRun | None, str]:
    """The newest finished screening run of the wave, and what the runs started after it did to its
    results (one query): "" when nothing, RUNNING while the newest one is replacing them, FAILED when
    the newest one stopped unfinished (failed, or cancelled) and some run after the finished one may
    have replaced part of them.

    The results are rewritten only by KK partitions, each in the transaction that marks it done (see
    eligibility.screening.services), so a run without a done KK partition wrote no result row: a failure in the
    lists phase leaves the finished run's results whole, and its report stays. A run with no partition
    row at all cannot be told apart and counts as having written. (ScreeningResult.run_id has no index:
    asking the result table would scan every wave's rows on each page view.)
    """
    newer = ScreeningRun.objects.filter(wave=OuterRef("wave"), pk__gt=OuterRef("pk"))
    wrote_kk = ScreeningPartition.objects.filter(run=OuterRef("pk"), phase=Phase.KK,
                                                 status=ScreeningPartition.Status.DONE)
    untracked = ~Exists(ScreeningPartition.objects.filter(run=OuterRef("pk")))
    run = (
        ScreeningRun.objects.filter(wave=wave, status=ScreeningRun.Status.DONE)
        .annotate(
            newest_status=Subquery(newer.order_by("-pk").values("status")[:1]),
            newer_wrote=Exists(newer.filter(Q(Exists(wrote_kk)) | Q(untracked))),
        )
        .order_by("-pk")
        .first()
    )
    if run is None:
        return None, ""
    if run.newest_status == ScreeningRun.Status.RUNNING:
        return run, ScreeningRun.Status.RUNNING
    if run.newest_status is not None and run.newer_wrote:
        return run, ScreeningRun.Status.FAILED
    return run, ""


def sync_build_limit() -> int:
    """Waves up to this many registrations get their summary computed in the request that first needs
    it (about a second per 100,000 on PostgreSQL); bigger ones by the build_wave_summary task."""
    return settings.REPORT_SYNC_MAX_REGISTRATIONS


def get_report_state(*, wave: Wave, build: bool | None = None) -> ReportState:
    """The summary to show: the one of the newest finished run and the wave's current selection state.

    When it is not stored yet it is computed here (`build=True`, or a wave small enough for a request),
    or handed to a worker (`computing`). While a newer run is replacing the results, the finished run's
    last stored summary is shown (if any) and nothing is computed from rows in flux; after a newer run
    failed having replaced some of them, no summary at all (`newer_run_failed`) until a retry finishes.
    """
    run, replaced_by = latest_done_run(wave=wave)
    if run is None:
        return ReportState(run=None, newer_run_running=False, summary=None)
    if replaced_by == ScreeningRun.Status.FAILED:
        # Neither the stored figures (the rows no longer match them) nor new ones (computed from two runs).
        return ReportState(run=run, newer_run_running=False, summary=None, newer_run_failed=True)
    newer_running = replaced_by == ScreeningRun.Status.RUNNING
    summary = WaveSummary.objects.filter(run=run, selected_at=wave.seed_revealed_at).first()
    if summary is None and newer_running:
        summary = WaveSummary.objects.filter(run=run).order_by("-computed_at").first()
        return ReportState(run=run, newer_run_running=True, summary=summary)
    if summary is None:
        size = run.outcome_counts.get("registrations") if isinstance(run.outcome_counts, dict) else None
        if build is None:
            if size is None:
                size = Registration.objects.filter(wave=wave).count()
            build = size <= sync_build_limit()
        if not build:
            _enqueue_build(wave=wave, run=run)
            return ReportState(run=run, newer_run_running=False, summary=None, computing=True)
        summary = build_summary(wave=wave, run=run)
    return ReportState(run=run, newer_run_running=newer_running, summary=summary)


def _enqueue_build(*, wave: Wave, run: ScreeningRun) -> None:
    """One build_wave_summary task per run and selection state, however many staff open the page."""
    from django.core.cache import cache

    from reports.tasks import build_wave_summary

    if cache.add(f"reports:build:{run.pk}:{wave.seed_revealed_at.timestamp() if wave.seed_revealed_at else 0}", True, timeout=15 * 60):
        build_wave_summary.delay_on_commit(wave.pk)


# --- The summary ------------------------------------------------------------------------------------------

def _reason_filter(code: str) -> Q:
    """Results whose reasons contain `code` as a whole item (`asn` must not match `asn_x`)."""
    return Q(padded_reasons__contains=f";{code};")


def wave_days(wave: Wave) -> list[dt.date]:
    """Every WIB day the wave was open, from opens_at to the last instant before closes_at."""
    first = timezone.localtime(wave.opens_at, WIB).date()
    last = timezone.localtime(wave.closes_at - dt.timedelta(microseconds=1), WIB).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


# work_mem of the transaction that builds a summary on PostgreSQL (one per run, in a worker; see build_summary).
SUMMARY_WORK_MEM = "256MB"


def build_summary(*, wave: Wave, run: ScreeningRun) -> WaveSummary:
    """Compute and store the summary of `run` for the wave's current selection state (a fixed number of
    aggregate queries, whatever the wave's size), with its joki clusters.

    On PostgreSQL every query reads one REPEATABLE READ snapshot, so a selection committed meanwhile
    cannot leave the counts half before and half after it. Safe to call twice at once: the unique
    constraint keeps one row, the loser returns the winner's. Call it (or the build_wave_summary task)
    at the end of a screening run and after the selection to spare the first reader the wait.
    """
    selected_at = wave.seed_revealed_at
    # The isolation level can only be set by the statement that opens a transaction: inside a caller's
    # transaction (a test) the caller's level stays.
    opens_transaction = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql" and opens_transaction:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # A few big sorts and window passes over the whole wave, once per run, in a worker: sort
                    # in memory rather than in many temporary files (stock work_mem is 4 MB), and skip JIT
                    # compilation (about 2 s per statement here, for no gain on sorts and windows).
                    cursor.execute(f"SET LOCAL work_mem = '{SUMMARY_WORK_MEM}'")
                    cursor.execute("SET LOCAL jit = off")
            selected_at = Wave.objects.filter(pk=wave.pk).values_list("seed_revealed_at", flat=True).get()
            summary = _compute_summary(wave=wave, run=run, selected_at=selected_at)
            summary.save()
            store_joki_clusters(summary=summary)
    except IntegrityError:
        # Another request or worker stored the same summary first.
        return WaveSummary.objects.get(run=run, selected_at=selected_at)
    return summary


def _compute_summary(*, wave: Wave, run: ScreeningRun, selected_at: dt.datetime | None) -> WaveSummary:
    """The unsaved summary: one pass over the wave's registrations with their results, counted per province and
    WIB day with FILTER clauses (a few hundred groups), whose rows are then added up for the totals, the
    provinces and the days."""
    eligible, ineligible = ScreeningResult.Status.ELIGIBLE, ScreeningResult.Status.INELIGIBLE
    counts = {
        "n_registrations": Count("pk"),
        "n_eligible": Count("pk", filter=Q(result__status=eligible)),
        "n_ineligible": Count("pk", filter=Q(result__status=ineligible)),
        "n_selected": Count("pk", filter=Q(result__status=eligible, result__selected=True)),
        "n_reserve": Count("pk", filter=Q(result__status=eligible, result__selected=False)),
        # kk_limit is only given to registrations with no other reason, so "ineligible and not only
        # kk_limit" is "excluded by at least one list".
        "n_excluded_by_lists": Count("pk", filter=Q(result__status=ineligible) & ~Q(result__reasons=ReasonCode.KK_LIMIT)),
        **{f"n_reason_{code}": Count("pk", filter=Q(result__status=ineligible) & _reason_filter(code))
           for code in ReasonCode},
    }
    groups = list(
        Registration.objects.filter(wave=wave)
        .alias(padded_reasons=Concat(Value(";"), "result__reasons", Value(";")))
        .values(code=Substr("applicant__nik", 1, 2), day=TruncDate("registered_at", tzinfo=WIB))
        .annotate(**counts)
        .order_by()
    )
    totals = {name: sum(group[name] for group in groups) for name in counts}
    provinces: dict[str, list[int]] = {}
    by_day: dict[dt.date, int] = {}
    for group in groups:
        province = provinces.setdefault(group["code"], [0, 0, 0])
        for i, name in enumerate(("n_registrations", "n_eligible", "n_selected")):
            province[i] += group[name]
        by_day[group["day"]] = by_day.get(group["day"], 0) + group["n_registrations"]
    per_province = [(code, *provinces[code]) for code in sorted(provinces)]
    days = sorted(set(wave_days(wave)) | set(by_day))
    return WaveSummary(
        wave=wave,
        run=run,
        selected_at=selected_at,
        registrations=sum(by_day.values()),
        eligible=totals["n_eligible"],
        ineligible=totals["n_ineligible"],
        selected=totals["n_selected"],
        reserve=totals["n_reserve"] if selected_at else 0,
        excluded_by_lists=totals["n_excluded_by_lists"],
        per_reason={code.value: totals[f"n_reason_{code}"] for code in ReasonCode},
        per_province=[list(row) for row in per_province],
        per_day=[[day.isoformat(), by_day.get(day, 0)] for day in days],
        list_versions=run.list_versions,
    )


# --- Joki signals -------------------------------------------------------------------------------------------

def joki_settings() -> dict[str, int]:
    """The thresholds, from settings (JOKI_*; their defaults are ones no household reaches)."""
    return {
        # Accounts created / registrations made from one IP address within the window. High, because many
        # unrelated people share one mobile-carrier (CGNAT) or campus address.
        "ip_min": settings.JOKI_IP_MIN_ACCOUNTS,
        # ... from one device (same IP and same browser): three is already more than a couple sharing a phone.
        "device_min": settings.JOKI_DEVICE_MIN_ACCOUNTS,
        "window_seconds": settings.JOKI_WINDOW_MINUTES * 60,
        # At least this many phone numbers within a run of this many consecutive numbers (SIM cards bought
        # in bulk).
        "phone_min": settings.JOKI_PHONE_MIN_NUMBERS,
        "phone_span": settings.JOKI_PHONE_SPAN,
    }


def _joki_clusters_sql() -> tuple[str, list]:
    """The statement listing every joki cluster of a wave (reports.sql.clusters_sql) for the current settings,
    ordered as stored (biggest first), and its parameters but the wave id; see _joki_clusters_query."""
    limits = joki_settings()
    tables = {"registration": Registration._meta.db_table, "applicant": Applicant._meta.db_table,
              "user": User._meta.db_table}
    signals = [
        (JokiCluster.Signal.SIGNUP_IP.value, limits["window_seconds"], limits["ip_min"]),
        (JokiCluster.Signal.SIGNUP_DEVICE.value, limits["window_seconds"], limits["device_min"]),
        (JokiCluster.Signal.JOIN_IP.value, limits["window_seconds"], limits["ip_min"]),
        (JokiCluster.Signal.JOIN_DEVICE.value, limits["window_seconds"], limits["device_min"]),
        (JokiCluster.Signal.PHONE_SEQUENCE.value, limits["phone_span"] - 1, limits["phone_min"]),
    ]
    return clusters_sql(signals, vendor=connection.vendor, tables=tables)


def _joki_clusters_query(*, wave: Wave) -> tuple[str, list]:
    sql, waves = _joki_clusters_sql()
    return (f"SELECT signal, key, first_at, last_at, size, registration_ids FROM ({sql}) c "
            "ORDER BY size DESC, signal, first_id"), [wave.pk] * waves


def find_joki_clusters(*, wave: Wave) -> list[JokiCluster]:
    """Every joki cluster of the wave (unsaved), biggest first, as store_joki_clusters stores them: one SQL
    statement (reports.sql.clusters_sql). For tests and small waves: it loads every member id."""
    sql, params = _joki_clusters_query(wave=wave)
    # The database's values made Python ones as the ORM would (SQLite's datetime text, JSON text).
    columns_ = [JokiCluster._meta.get_field(name).get_col(JokiCluster._meta.db_table)
                for name in ("first_at", "last_at", "registration_ids")]
    converters = [(col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)) for col in columns_]
    clusters = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for signal, key, first_at, last_at, size, ids in cursor.fetchall():
            values = []
            for value, (col, functions) in zip((first_at, last_at, ids), converters):
                for function in functions:
                    value = function(value, col, connection)
                values.append(value)
            clusters.append(JokiCluster(signal=signal, key=key, first_at=values[0], last_at=values[1], size=size,
                                        registration_ids=values[2]))
    return clusters


def store_joki_clusters(*, summary: WaveSummary) -> int:
    """Store every joki cluster of the summary's wave with one INSERT ... SELECT (the member ids never leave
    the database), biggest first in primary-key order, each with its first JokiCluster.FIRST_MEMBERS ids cut out
    of its list (`first_ids`, what the report page shows). Returns how many were stored."""
    sql, params = _joki_clusters_query(wave=summary.wave)
    table = JokiCluster._meta.db_table
    first_ids = json_slice_sql("registration_ids", first=0, count=JokiCluster.FIRST_MEMBERS, vendor=connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (summary_id, signal, key, first_at, last_at, size, registration_ids, "
                       f"first_ids) SELECT %s, signal, key, first_at, last_at, size, registration_ids, {first_ids} "
                       f"FROM ({sql}) q",
                       [summary.pk, *params])
        return cursor.rowcount


# --- Rows for the page and the CSV files ----------------------------------------------------------------------

def parse_filters(*, status: str | None, reason: str | None) -> tuple[str, str]:
    """Validate a download's filters; raises ReportError naming the accepted values."""
    status, reason = (status or "").strip(), (reason or "").strip()
    if status and status not in ScreeningResult.Status.values:
        raise ReportError(gettext_lazy("Unknown status '%(value)s': use one of %(choices)s."),
                          value=status, choices=", ".join(ScreeningResult.Status.values))
    if reason and reason not in ReasonCode.values:
        raise ReportError(gettext_lazy("Unknown reason '%(value)s': use one of %(choices)s."),
                          value=reason, choices=", ".join(ReasonCode.values))
    return status, reason


def result_rows(*, wave: Wave, status: str = "", reason: str = "", full_identity: bool = False) -> QuerySet:
    """The result file's rows in registration order: one annotation `c_<column>` per RESULT_COLUMNS entry,
    each formatted by the database (result_columns() names them for the file writer).

    NIK, KK and the full name are masked unless `full_identity`. `selected` is yes/no, or empty before
    the selection; `rank` is empty unless the registration is eligible and ranked.
    """
    qs = Registration.objects.filter(wave=wave)
    if status:
        qs = qs.filter(result__status=status)
    if reason:
        qs = qs.alias(padded_reasons=Concat(Value(";"), "result__reasons", Value(";"))).filter(_reason_filter(reason))
    nik, kk, name = F("applicant__nik"), F("applicant__kk"), F("applicant__full_name")
    if not full_identity:
        nik, kk, name = MaskedNumber(nik), MaskedNumber(kk), MaskedName(name)
    eligible = ScreeningResult.Status.ELIGIBLE
    return qs.order_by("registered_at", "pk").annotate(
        c_wave=Value(wave.number),
        c_nik=nik,
        c_kk=kk,
        c_full_name=name,
        c_province=ProvinceName("applicant__nik"),
        c_registered_at=WibIsoformat("registered_at"),
        c_status=Case(*(When(result__status=value, then=Value(str(label)))
                        for value, label in ScreeningResult.Status.choices), default=F("result__status")),
        c_reasons=F("result__reasons"),
        c_selected=Case(When(result__selected=True, then=Value(pgettext("file value", "yes"))),
                        When(result__selected=False, then=Value(pgettext("file value", "no"))),
                        default=Value("")),
        c_rank=Case(When(result__status=eligible, then=F("result__rank")), default=None),
    )


def result_columns() -> list[Column]:
    """The columns of the result file (RESULT_COLUMNS): keys of result_rows()' annotations."""
    return columns(RESULT_COLUMNS, prefix="c_")


CONTACT_COLUMNS = ["wave", "rank", "nik", "full_name", "phone", "email", "province"]


def contact_rows(*, wave: Wave) -> QuerySet:
    """The selected registrations of the wave in rank order, with whole NIK, name, phone and e-mail (the
    PMO reaches the awardees with them): one annotation `c_<column>` per CONTACT_COLUMNS entry."""
    return Registration.objects.filter(wave=wave, result__selected=True).order_by("result__rank", "pk").annotate(
        c_wave=Value(wave.number), c_rank=F("result__rank"), c_nik=F("applicant__nik"),
        c_full_name=F("applicant__full_name"), c_phone=F("applicant__phone"), c_email=F("applicant__user__email"),
        c_province=ProvinceName("applicant__nik"),
    )


def parse_delimiter(value: str | None) -> str:
    """The CSV delimiter asked for: `,` (the default) or `;`. Raises ReportError for anything else."""
    value = value or ","
    if value not in csvfile.DELIMITERS:
        raise ReportError(gettext_lazy("Unknown delimiter '%(value)s': use , or ;."), value=value)
    return value


def summary_rows(summary: WaveSummary, wave: Wave) -> list[tuple]:
    """The summary as `section,code,label,value` rows (the summary CSV)."""
    rows: list[tuple] = [
        ("totals", "registrations", _("Registrations"), summary.registrations),
        ("totals", "eligible", _("Eligible"), summary.eligible),
        ("totals", "ineligible", _("Ineligible"), summary.ineligible),
        ("totals", "selected", _("Selected"), summary.selected if summary.is_selected else ""),
        ("totals", "reserve", _("Reserve"), summary.reserve if summary.is_selected else ""),
    ]
    rows += [("reason", code, str(ReasonCode(code).label), n) for code, n in summary.per_reason.items()]
    rows += [("province", code, PROVINCE_CODES.get(code, ""), n) for code, n, _e, _s in summary.per_province]
    rows += [("day", day, "", n) for day, n in summary.per_day]
    rows += [("funnel", code, label, n) for code, label, n in funnel(summary)]
    rows += [("list_version", v.get("category", ""), f"{v.get('file_name', '')} #{v.get('version_id', '')}",
              v.get("row_count", "")) for v in summary.list_versions]
    rows.append(("seed", "commitment", "SHA-256", wave.seed_commitment))
    if wave.seed_is_revealed:
        rows.append(("seed", "seed", iso_wib(wave.seed_revealed_at), wave.seed))
    rows.append(("run", str(summary.run_id), "computed_at", iso_wib(summary.computed_at)))
    return rows


def funnel(summary: WaveSummary) -> list[tuple[str, str, int | str]]:
    """(code, label, count) steps: registered, excluded per list, kk_limit, lottery pool, selected, reserve.

    The per-list counts may add up to more than the excluded total: one registration can be on several
    lists. Selected and reserve are "" before the selection.
    """
    steps: list[tuple[str, str, int | str]] = [("registered", _("Registered"), summary.registrations)]
    steps += [(f"excluded_{code}", _("Excluded: %(list)s") % {"list": ReasonCode(code).label},
               summary.per_reason.get(code, 0)) for code in LIST_REASONS]
    steps += [
        ("excluded_by_lists", _("Excluded by at least one list"), summary.excluded_by_lists),
        ("after_lists", _("Left after the lists"), summary.after_lists),
        ("kk_limit", _("Excluded: %(list)s") % {"list": ReasonCode.KK_LIMIT.label}, summary.kk_limit),
        ("lottery_pool", _("Lottery pool (eligible)"), summary.lottery_pool),
        ("selected", _("Selected"), summary.selected if summary.is_selected else ""),
        ("reserve", _("Reserve"), summary.reserve if summary.is_selected else ""),
    ]
    return steps


# The columns of a joki cluster the report page reads (never its member list).
_CLUSTER_SHOWN = ("signal", "key", "first_at", "last_at", "size", "first_ids")


def shown_clusters(summary: WaveSummary, *, clusters: int) -> tuple[list[JokiCluster], int]:
    """The summary's `clusters` biggest joki clusters, each with its stored `first_ids`, and how many clusters the
    summary has, in one query. The member lists (megabytes at 6 M registrations) are not read."""
    shown = list(summary.clusters.order_by(*JokiCluster._meta.ordering).only(*_CLUSTER_SHOWN)
                 .annotate(total=Window(Count("pk")))[:clusters])
    return shown, shown[0].total if shown else 0


@dataclass(frozen=True)
class MemberRow:
    """One registration of a joki cluster as a reviewer reads it: personal data masked unless asked for whole,
    times formatted in WIB."""
    nik: str
    name: str
    phone: str
    signed_up: str
    registered: str
    seconds_since_signup: int | None


def member_rows(ids: list[int], *, full_identity: bool) -> dict[int, MemberRow]:
    """The rows of these registrations by id, in the order of `ids` (ids no longer stored are left out), from one
    query that reads only the shown columns, masked by the database unless `full_identity`."""
    nik, name, phone = F("applicant__nik"), F("applicant__full_name"), F("applicant__phone")
    if not full_identity:
        nik, name, phone = MaskedNumber(nik), MaskedName(name), MaskedPhone(phone)
    found = {row[0]: row[1:] for row in Registration.objects.filter(pk__in=ids).values_list(
        "pk", nik, name, phone, "applicant__user__date_joined", "registered_at", "seconds_since_signup")}
    pks = [pk for pk in dict.fromkeys(ids) if pk in found]
    # Formatted together: one format of each WIB day, not one per cell (prakerja.lib.timefmt.format_wib_many).
    times = iter(format_wib_many([t for pk in pks for t in found[pk][3:5]], seconds=True))
    return {pk: MemberRow(nik=found[pk][0], name=found[pk][1], phone=found[pk][2], signed_up=next(times),
                          registered=next(times), seconds_since_signup=found[pk][5]) for pk in pks}


def cluster_member_page(cluster: JokiCluster, *, page: int, per_page: int, full_identity: bool) -> list[MemberRow]:
    """Page `page` (1-based) of the cluster's members in its stored order: the ids are cut out of the member list
    by the database (one cluster's list is read, never the others'), then their rows read as member_rows does."""
    ids = (JokiCluster.objects.filter(pk=cluster.pk)
           .values_list(JsonSlice("registration_ids", first=(page - 1) * per_page, count=per_page), flat=True).get())
    return list(member_rows(ids, full_identity=full_identity).values())


CLUSTER_COLUMNS = ["signal", "cluster", "key", "size", *RESULT_COLUMNS, "phone", "seconds_since_signup"]
SUMMARY_COLUMNS = ["section", "code", "label", "value"]


def cluster_member_rows(*, summary: WaveSummary, full_identity: bool) -> Iterator[list[tuple]]:
    """Chunks of CLUSTER_COLUMNS rows: every registration of every cluster of the summary, cluster by
    cluster (a staff review list). One query per CHUNK_ROWS members."""
    clusters = summary.clusters.order_by("-size", "signal", "pk").values_list("signal", "key", "size", "registration_ids")
    members = ((number, signal, key, size, pk) for number, (signal, key, size, ids) in enumerate(clusters, start=1)
               for pk in ids)
    for batch in itertools.batched(members, CHUNK_ROWS):
        by_id = {row[0]: row[1:] for row in _member_rows(summary.wave, [m[4] for m in batch], full_identity)}
        yield [(signal, number, key, size, *by_id[pk]) for number, signal, key, size, pk in batch if pk in by_id]


def _member_rows(wave: Wave, ids: list[int], full_identity: bool) -> QuerySet:
    phone = F("applicant__phone") if full_identity else MaskedPhone("applicant__phone")
    return result_rows(wave=wave, full_identity=full_identity).filter(pk__in=ids).annotate(
        c_pk=F("pk"), c_phone=phone, c_delay=F("seconds_since_signup"),
    ).values_list("c_pk", "c_wave", "c_nik", "c_kk", "c_full_name", "c_province", "c_registered_at", "c_status",
                  "c_reasons", "c_selected", "c_rank", "c_phone", "c_delay")


# --- Audit -------------------------------------------------------------------------------------------------------

def record_access(*, user: User | None, actor: str, action: str, wave: Wave, kind: str, status: str = "",
                  reason: str = "", full_identity: bool = False, row_count: int | None = None,
                  completed: bool = False, output: str = "") -> AuditEntry:
    """Write an audit entry (before any row of a download leaves)."""
    return AuditEntry.objects.create(
        user=user, actor=actor, action=action, wave=wave, kind=kind, status_filter=status, reason_filter=reason,
        full_identity=full_identity, row_count=row_count, completed=completed, output=output,
    )


def audited(entry: AuditEntry, blocks: Iterator[bytes], counter: list[int]) -> Iterator[bytes]:
    """Pass the blocks through, then store the row count on the entry; `completed` only if every block went."""
    completed = False
    try:
        yield from blocks
        completed = True
    finally:
        AuditEntry.objects.filter(pk=entry.pk).update(row_count=counter[0], completed=completed)


def exportable_summary(*, wave: Wave, kind: str, build: bool | None = None) -> WaveSummary | None:
    """Check that a file of `kind` can be exported now; return the summary it needs (None for results and
    contacts).

    Raises ReportError when no screening has finished, when a newer run is rewriting the result rows or
    failed having rewritten some (every file then mixes two runs or contradicts the rows), or when the
    summary is still being computed by a worker.
    """
    run, replaced_by = latest_done_run(wave=wave)
    if run is None:
        raise ReportError(gettext_lazy("Wave %(number)s has no finished screening: nothing to export yet."),
                          number=wave.number)
    if replaced_by == ScreeningRun.Status.RUNNING:
        raise ReportError(
            gettext_lazy("A new screening of wave %(number)s is running: export when it has finished."),
            number=wave.number,
        )
    if replaced_by == ScreeningRun.Status.FAILED:
        raise ReportError(
            gettext_lazy("The latest screening of wave %(number)s failed after replacing part of the results: "
                         "retry it from the wave's admin page before exporting reports."),
            number=wave.number,
        )
    if kind in (AuditEntry.Kind.RESULTS, AuditEntry.Kind.CONTACTS):
        return None
    summary = get_report_state(wave=wave, build=build).summary
    if summary is None:
        raise ReportError(gettext_lazy("The summary of wave %(number)s is being computed: try again in a minute."),
                          number=wave.number)
    return summary


def export(*, wave: Wave, kind: str, status: str = "", reason: str = "", full_identity: bool = False,
           summary: WaveSummary | None = None, file_format: str = "csv",
           delimiter: str = ",") -> tuple[Iterator[bytes], list[int]]:
    """The blocks of one report file (CSV, or .xlsx for result rows and contacts) and the counter of rows
    written (filled as the blocks are read). Headers and status values are in the active language.

    Raises ReportError for an .xlsx of more rows than a sheet holds, and for contacts before the selection.
    """
    counter = [0]
    if kind == AuditEntry.Kind.SUMMARY:
        columns_, rows = columns(SUMMARY_COLUMNS), [summary_rows(_needed(summary), wave)]
    elif kind == AuditEntry.Kind.CLUSTERS:
        columns_, rows = columns(CLUSTER_COLUMNS), cluster_member_rows(summary=_needed(summary),
                                                                      full_identity=full_identity)
    elif kind == AuditEntry.Kind.RESULTS:
        columns_, rows = result_columns(), result_rows(wave=wave, status=status, reason=reason,
                                                       full_identity=full_identity)
    elif kind == AuditEntry.Kind.CONTACTS:
        if not wave.seed_is_revealed:
            raise ReportError(gettext_lazy("Wave %(number)s has no selection yet: no contacts to export."),
                              number=wave.number)
        columns_, rows = columns(CONTACT_COLUMNS, prefix="c_"), contact_rows(wave=wave)
    else:
        raise ValueError(kind)
    if file_format == "csv":
        return csvfile.csv_blocks(columns_, rows, delimiter=delimiter, counter=counter), counter
    if file_format != "xlsx" or not isinstance(rows, QuerySet):
        raise ValueError(f"no {file_format} file of {kind}")
    if (size := rows.count()) > csvfile.XLSX_MAX_ROWS:
        raise ReportError(gettext_lazy("%(rows)s rows do not fit in one .xlsx sheet (at most %(limit)s): "
                                       "filter them, or download the CSV."), rows=size, limit=csvfile.XLSX_MAX_ROWS)
    return csvfile.xlsx_blocks(columns_, rows, counter=counter), counter


def _needed(summary: WaveSummary | None) -> WaveSummary:
    if summary is None:
        raise ValueError("a summary is needed: see exportable_summary()")
    return summary


def file_name(*, wave: Wave, kind: str, status: str = "", reason: str = "", file_format: str = "csv") -> str:
    parts = [f"gelombang-{wave.number}", kind, status, reason]
    return "-".join(p for p in parts if p) + "." + file_format
