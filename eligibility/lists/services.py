"""Exclusion-list loads: a category's file becomes a new version, swapped in atomically; look-ups.

How a load goes is told in the package docstring (eligibility.lists). The services here are what the
admin, the commands and the Celery task call.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eligibility.lists import tables
from eligibility.lists.digests import DigestPool
from eligibility.lists.spreadsheets import as_csv
from eligibility.lists.files import CHUNK_BYTES, ListFileError, ListLayout, check_number, inspect_list_file
from eligibility.lists.tables import (
    LoadCounts, fill_postgresql, fill_sqlite, lock_swaps, release_unused_list_tables, save_bad_rows_generic,
    save_bad_rows_postgresql, try_lock_version,
)
from eligibility.models.lists import ExclusionList, ListCategory
from prakerja.lib.digest import digest_bytes
from prakerja.lib.identity import clean_number, mask
from prakerja.lib.messages import TranslatableError
from registration.models import User

logger = logging.getLogger(__name__)


def upload_dir() -> Path:
    """Where uploaded list files wait for their task: under var/, never under the web root."""
    return Path(settings.EXCLUSION_LIST_UPLOAD_DIR)


def max_upload_bytes() -> int:
    return settings.EXCLUSION_LIST_MAX_UPLOAD_MB * 1024 * 1024


class _ProgressWriter:
    """Writes a loading version's progress from a thread with its own connection, once a second.

    The load runs in one transaction that nobody sees until it commits: progress must go through
    another connection to be visible in the admin meanwhile.
    """

    def __init__(self, version_id: int, *, interval: float = 1.0):
        self.version_id = version_id
        self.interval = interval
        self.value = 0
        self._written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"list-progress-{version_id}", daemon=True)

    def __enter__(self) -> _ProgressWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from django.db import connection as thread_connection

        try:
            while True:
                stopping = self._stop.wait(self.interval)
                value = self.value
                if stopping:
                    break
                if value != self._written:
                    ExclusionList.objects.filter(pk=self.version_id, status=ExclusionList.Status.LOADING).update(
                        progress=value
                    )
                    self._written = value
        except Exception:  # progress is best effort: never let it break the load
            logger.warning("Could not write the progress of exclusion list %s", self.version_id)
        finally:
            thread_connection.close()


def load_exclusion_list(
    *, category: str, path_or_file: str | os.PathLike | BinaryIO, file_name: str, by: User | None
) -> ExclusionList:
    """Load a list file as the new active version of `category`, synchronously (the whole load).

    Raises ListFileError for a file refused as a whole: storing nothing when refused before the load
    (no `nik` column, not UTF-8, ...), or leaving a `failed` version with its cause and bad rows when no
    line holds a valid NIK. Bad lines are counted and recorded, never loaded (a prior-awardee line
    with a valid NIK and a bad KK is loaded without the KK, and reported). Any other failure leaves
    the version `failed` with its cause and re-raises.
    Returns the version, with `timings` (seconds per phase) for the benchmark.
    """
    if category not in ListCategory.values:
        raise ListFileError(gettext_lazy("Unknown list category “%(category)s”."), category=category)
    with _open(path_or_file) as given, as_csv(given) as file:
        layout = inspect_list_file(file, category=category)
        version = ExclusionList.objects.create(
            category=category, file_name=file_name[:255], loaded_by=by, status=ExclusionList.Status.LOADING
        )
        _load_version(version, file, layout)
    release_unused_list_tables()
    version.refresh_from_db()
    version.timings = getattr(version, "_timings", {})
    return version


def check_list_upload(*, category: str, upload: BinaryIO) -> None:
    """Check a list file as a whole (header, encoding, spreadsheet damage) before anyone is asked to confirm
    loading it: raises ListFileError, storing nothing. start_exclusion_load checks again what it keeps."""
    if category not in ListCategory.values:
        raise ListFileError(gettext_lazy("Unknown list category “%(category)s”."), category=category)
    with as_csv(upload) as file:
        inspect_list_file(file, category=category)
    upload.seek(0)


def start_exclusion_load(*, category: str, upload: BinaryIO, file_name: str, by: User | None) -> ExclusionList:
    """Check an uploaded list file (CSV, or a spreadsheet kept as the CSV of its rows), keep it under var/
    (outside the web root) and enqueue its load.

    Raises ListFileError, storing nothing, for a file refused as a whole. The task starts once this
    transaction commits; the version shows its progress meanwhile.
    """
    from eligibility.lists.tasks import load_exclusion_list_task

    if category not in ListCategory.values:
        raise ListFileError(gettext_lazy("Unknown list category “%(category)s”."), category=category)
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.csv"
    with as_csv(upload) as file:  # a spreadsheet is kept as the CSV of its rows
        inspect_list_file(file, category=category)
        file.seek(0)
        with open(target, "wb") as out:
            os.chmod(target, 0o600)
            shutil.copyfileobj(file, out, CHUNK_BYTES)
    with transaction.atomic():
        version = ExclusionList.objects.create(
            category=category, file_name=file_name[:255], loaded_by=by, source_path=str(target),
            enqueued_at=timezone.now(),
        )
        load_exclusion_list_task.delay_on_commit(version.pk)
    return version


def stale_load_after() -> dt.timedelta:
    """A version `loading` this long after its task was enqueued, with no live load, is stuck."""
    return dt.timedelta(seconds=settings.EXCLUSION_LIST_STALE_AFTER)


# Re-enqueues of one stuck load before the sweep gives up: a file that kills its worker every time
# (out of memory, say) must not be retried forever.
MAX_LOAD_REQUEUES = 3


def requeue_stale_loads(*, older_than: dt.timedelta | None = None) -> tuple[list[int], list[int]]:
    """Re-enqueue, or fail, versions stuck in `loading`: their Celery message was lost, or their
    worker died (its transaction rolled back, so nothing of the load remains). Part of the periodic
    sweep (eligibility.screening.tasks.requeue_stale_partitions). Returns (re-enqueued ids, failed ids).

    A live load holds its version's advisory lock for its whole transaction (_load_version), so on
    PostgreSQL a version whose lock is taken is being loaded, however long that takes, and is left
    alone. While this sweep holds the lock a delivery of the load skips it ("being loaded by another
    worker"), which is harmless: the message enqueued here is sent after the sweep's commit. Running
    the sweep twice, or beside a late delivery of the original message, is safe: a load finds the
    version no longer `loading`, or the lock taken, and does nothing. Uploads (a file under var/) are
    re-enqueued up to MAX_LOAD_REQUEUES times; a command-line load (no file kept) cannot be redone
    by a worker and is failed with a message asking to load it again.
    """
    from eligibility.lists.tasks import load_exclusion_list_task

    now = timezone.now()
    cutoff = now - (older_than if older_than is not None else stale_load_after())
    stale = ExclusionList.objects.filter(status=ExclusionList.Status.LOADING).filter(
        models.Q(enqueued_at__lt=cutoff) | models.Q(enqueued_at__isnull=True, created_at__lt=cutoff)
    )
    requeued, failed = [], []
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            if connection.vendor == "postgresql" and not try_lock_version(pk):
                continue  # a worker is loading it right now
            version = ExclusionList.objects.select_for_update().filter(
                pk=pk, status=ExclusionList.Status.LOADING
            ).first()
            if version is None:
                continue  # finished meanwhile
            if version.source_path and version.requeues < MAX_LOAD_REQUEUES:
                ExclusionList.objects.filter(pk=pk).update(enqueued_at=now, requeues=models.F("requeues") + 1)
                load_exclusion_list_task.delay_on_commit(pk)
                requeued.append(pk)
                continue
            error = (
                _("The load did not finish after %(count)s attempts; upload the file again.")
                % {"count": version.requeues + 1}
                if version.source_path
                else _("The load was interrupted before it finished; load the file again.")
            )
            ExclusionList.objects.filter(pk=pk, status=ExclusionList.Status.LOADING).update(
                status=ExclusionList.Status.FAILED, error=error, source_path=""
            )
            if version.source_path:
                path = Path(version.source_path)
                transaction.on_commit(lambda path=path: path.unlink(missing_ok=True))
            failed.append(pk)
    if requeued or failed:
        logger.warning("Exclusion list loads stuck in loading: re-enqueued %s, failed %s", requeued, failed)
    return requeued, failed


def load_uploaded_version(*, version_id: int) -> ExclusionList | None:
    """The Celery task's body: load a version started by start_exclusion_load. Safe to run twice.

    A version that is no longer `loading` is left alone (a redelivered task after success or failure).
    The uploaded file is deleted once the load has ended, either way.
    """
    version = ExclusionList.objects.filter(pk=version_id).first()
    if version is None or version.status != ExclusionList.Status.LOADING:
        return version
    path = Path(version.source_path)
    if not version.source_path or not path.exists():
        ExclusionList.objects.filter(pk=version.pk, status=ExclusionList.Status.LOADING).update(
            status=ExclusionList.Status.FAILED, error=_("The uploaded file is gone; upload it again.")
        )
        return ExclusionList.objects.get(pk=version.pk)
    try:
        with open(path, "rb") as file:
            layout = inspect_list_file(file, category=version.category)
            _load_version(version, file, layout)
    except ListFileError as exc:
        ExclusionList.objects.filter(pk=version.pk, status=ExclusionList.Status.LOADING).update(
            status=ExclusionList.Status.FAILED, error=str(exc)
        )
    except Exception:
        # Already recorded on the version and logged without file content; not re-raised, because a
        # worker's traceback of a COPY error would quote a line of the file (a NIK).
        pass
    version.refresh_from_db()
    if version.is_finished:
        path.unlink(missing_ok=True)
        ExclusionList.objects.filter(pk=version.pk).update(source_path="")
        release_unused_list_tables()
    version.refresh_from_db()
    return version


class _open:
    """A path opened in binary mode, or an already open binary file left open."""

    def __init__(self, path_or_file):
        self._given = path_or_file
        self._opened = None

    def __enter__(self) -> BinaryIO:
        if hasattr(self._given, "read"):
            return self._given
        path = Path(self._given)
        if not path.is_file():
            raise ListFileError(gettext_lazy("File not found: %(path)s"), path=path)
        self._opened = open(path, "rb")
        return self._opened

    def __exit__(self, *exc) -> None:
        if self._opened is not None:
            self._opened.close()


def _load_version(version: ExclusionList, file: BinaryIO, layout: ListLayout) -> None:
    """Fill the version's table and swap it in, in one transaction; on failure mark it failed and re-raise.

    A file without one valid row is refused after it was read: the version is committed `failed`
    with the cause and its bad rows (so staff can see what is wrong with every line), its table
    dropped, and ListFileError is raised. The list in force stays active.
    """
    refused: ListFileError | None = None
    try:
        with tempfile.TemporaryFile("w+", encoding="ascii", dir=settings.VAR_DIR) as bad_sink:
            if connection.vendor == "postgresql":
                # The digest processes are forked before the progress thread starts: forking a
                # process that runs threads can copy a lock held by one of them.
                with DigestPool(layout) as digest_pool, _ProgressWriter(version.pk) as progress, \
                        transaction.atomic():
                    if not try_lock_version(version.pk):
                        logger.info("Exclusion list %s is being loaded by another worker", version.pk)
                        return
                    if not ExclusionList.objects.filter(pk=version.pk, status=ExclusionList.Status.LOADING).exists():
                        return
                    counts = fill_postgresql(version, file, layout, bad_sink, progress, digest_pool)
                    save_bad_rows_postgresql(version, bad_sink)
                    refused = _swap_or_refuse(version, counts)
            else:
                with transaction.atomic():
                    counts = fill_sqlite(version, file, layout, bad_sink)
                    save_bad_rows_generic(version, bad_sink)
                    refused = _swap_or_refuse(version, counts)
            version._timings = counts.timings
    except ListFileError:
        raise
    except Exception as exc:
        cause = _describe(exc)
        # The log names the version and the error class, never a line of the file (it holds NIKs).
        logger.error("Loading exclusion list %s failed: %s", version.pk, cause)
        ExclusionList.objects.filter(pk=version.pk, status=ExclusionList.Status.LOADING).update(
            status=ExclusionList.Status.FAILED, error=cause
        )
        raise
    if refused is not None:
        raise refused


def max_bad_share() -> float:
    """The share of bad rows (of the lines read) above which a load waits for confirmation."""
    return settings.EXCLUSION_LIST_MAX_BAD_SHARE


def max_shrink() -> float:
    """How much smaller than the list in force (a share of its rows) a load may be before it waits."""
    return settings.EXCLUSION_LIST_MAX_SHRINK


def needs_confirmation(*, lines: int, bad: int, rows: int, previous_rows: int | None) -> bool:
    """True when a load's figures are too far from what is expected to go live unseen: more than
    max_bad_share() of its lines are bad, or it has fewer than (1 - max_shrink()) of the rows of the
    category's list in force (`previous_rows`, None when there is none)."""
    if lines and bad / lines > max_bad_share():
        return True
    return bool(previous_rows) and (previous_rows - rows) / previous_rows > max_shrink()


def _swap_or_refuse(version: ExclusionList, counts: LoadCounts) -> ListFileError | None:
    """Swap the filled version in, or hold it for confirmation; or, when the file had no valid row, fail
    it and return the refusal.

    A file whose every NIK is bad (a spreadsheet turned them into numbers like 3.20101E+15) must not
    replace the list in force with an empty one: the next screening would exclude nobody of this
    category. A load with many bad rows, or much smaller than the list in force, is kept with its
    table filled and indexed but not swapped in (`needs_confirmation`) until a staff member confirms
    or discards it: the list in force stays meanwhile. Runs inside the load's transaction, after the
    bad rows were saved, which stay with the version as its report.
    """
    if counts.rows:
        previous_rows = (
            ExclusionList.objects.active().filter(category=version.category).exclude(pk=version.pk)
            .values_list("row_count", flat=True).first()
        )
        if needs_confirmation(lines=counts.lines, bad=counts.bad, rows=counts.rows, previous_rows=previous_rows):
            ExclusionList.objects.filter(pk=version.pk, status=ExclusionList.Status.LOADING).update(
                status=ExclusionList.Status.NEEDS_CONFIRMATION, previous_row_count=previous_rows,
                table_name=tables.table_name(version.pk), **_count_fields(counts),
            )
            return None
        _swap(version, table_name=tables.table_name(version.pk), **_count_fields(counts))
        return None
    refused = ListFileError(
        gettext_lazy(
            "No row of the file has a valid NIK (bad rows: %(count)s), so nothing was loaded and the list in force "
            "did not change. If a spreadsheet turned the NIKs into numbers such as 3.20101E+15, format the “nik” "
            "column as text, export the file as CSV again and load it again."),
        count=counts.bad,
    )
    tables.drop_table(version.pk)
    ExclusionList.objects.filter(pk=version.pk, status=ExclusionList.Status.LOADING).update(
        status=ExclusionList.Status.FAILED,
        error=str(refused),
        line_count=counts.lines,
        row_count=0,
        duplicate_count=0,
        bad_row_count=counts.bad,
        kk_dropped_count=counts.kk_dropped,
    )
    return refused


def _describe(exc: Exception) -> str:
    """A failure's cause without its context: PostgreSQL's COPY context quotes the offending line."""
    diag = getattr(getattr(exc, "__cause__", None), "diag", None) or getattr(exc, "diag", None)
    if diag is not None and diag.message_primary:
        return f"{type(exc).__name__}: {diag.message_primary}"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _count_fields(counts: LoadCounts) -> dict:
    return {
        "line_count": counts.lines, "row_count": counts.rows, "duplicate_count": counts.duplicates,
        "bad_row_count": counts.bad, "kk_dropped_count": counts.kk_dropped, "progress": 100, "error": "",
    }


def _swap(version: ExclusionList, **fields) -> None:
    """Make `version` the active list of its category (with `fields` updated); the previous active
    version becomes `replaced`.

    Runs inside a transaction (the load's, or a confirmation's): readers see the old version or the
    new one, never both or none. Locking the previous version's row (FOR UPDATE) waits for a screening
    that is snapshotting the active versions (FOR SHARE) to commit, so that its run is visible before
    the old table can go.
    """
    lock_swaps()
    previous = list(
        ExclusionList.objects.select_for_update()
        .filter(category=version.category, status=ExclusionList.Status.ACTIVE)
        .exclude(pk=version.pk)
        .values_list("pk", flat=True)
    )
    ExclusionList.objects.filter(pk__in=previous).update(status=ExclusionList.Status.REPLACED)
    ExclusionList.objects.filter(pk=version.pk).update(
        status=ExclusionList.Status.ACTIVE, activated_at=timezone.now(), **fields
    )


class ListDecisionError(TranslatableError, ValueError):
    """A confirmation or a discard refused: the version is not waiting for one (any more)."""


def _held_version(version_id: int) -> ExclusionList:
    """The version, locked, if it waits for confirmation; else ListDecisionError."""
    held = ExclusionList.objects.select_for_update().filter(pk=version_id).first()
    if held is None or held.status != ExclusionList.Status.NEEDS_CONFIRMATION:
        raise ListDecisionError(
            gettext_lazy("List version %(version)s is not waiting for confirmation (its status: %(status)s)."),
            version=version_id, status=held.get_status_display() if held else "-",
        )
    return held


def confirm_exclusion_list(*, version_id: int, by: User | None) -> ExclusionList:
    """Swap a version held for confirmation in as its category's list in force, recording who did, when.

    Raises ListDecisionError when the version is not waiting for confirmation (already confirmed or
    discarded: two clicks, or two staff members, confirm it once). The list it replaces is released
    once no running screening uses it.
    """
    with transaction.atomic():
        held = _held_version(version_id)
        _swap(held, decided_by=by, decided_at=timezone.now())
    release_unused_list_tables()
    return ExclusionList.objects.get(pk=version_id)


def discard_exclusion_list(*, version_id: int, by: User | None) -> ExclusionList:
    """Discard a version held for confirmation: recorded with who did it and when, its table dropped, its
    bad-rows report kept. The list in force stays. Raises ListDecisionError as confirm_exclusion_list."""
    with transaction.atomic():
        held = _held_version(version_id)
        ExclusionList.objects.filter(pk=held.pk).update(
            status=ExclusionList.Status.DISCARDED, decided_by=by, decided_at=timezone.now()
        )
    release_unused_list_tables()
    return ExclusionList.objects.get(pk=version_id)


def is_nik_on_list(*, nik: str, category: str | None = None) -> list[ExclusionList]:
    """The active versions (of `category`, or of every category) whose list holds this NIK.

    The NIK is digested like an applicant's and never stored or logged. Raises ValueError (its message an
    IdentityError code) for a number that is not a valid NIK (prakerja.lib.identity.nik_problem).
    """
    number, problem = check_number(nik)
    if problem:
        raise ValueError(problem)
    digest = models.UUIDField().get_db_prep_value(uuid.UUID(bytes=digest_bytes(number)), connection)
    versions = ExclusionList.objects.active().select_related("loaded_by").order_by("category")
    if category:
        versions = versions.filter(category=category)
    return [version for version in versions if tables.table_holds(version.table_name, digest)]


def masked(nik: str) -> str:
    """The NIK as staff pages may show it."""
    return mask(clean_number(nik))
