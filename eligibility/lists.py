"""Exclusion lists: load a category's CSV file as a new version, swap it in, look a NIK up.

A load is one ExclusionList row (a version) whose entries live in a table of their own,
`exclusion_list_<id>` (`nik_digest` NOT NULL, unique; `kk_digest` NULL), holding keyed digests only
(HMAC-SHA256 with settings.DIGEST_KEY, first 128 bits, as prakerja.lib.digest computes them for
applicants). The raw NIKs never persist.

How a file goes in (PostgreSQL), in ONE transaction, so that a failure or a killed worker leaves nothing:
1. Python streams the file in chunks. A chunk whose every line is a plain valid record (one compiled
   regex over the whole chunk, in C) is taken as it is; any other chunk is parsed line by line with the
   csv module, its bad lines recorded (line number and reason, never the NIK).
2. The good NIKs are digested in Python (precomputed HMAC key states: ~0.6 us a NIK, less than
   PostgreSQL's pgcrypto hmac() plus the text-to-uuid cast), in forked worker processes for a large
   file, and streamed with a binary COPY into the version's fresh, unindexed table while PostgreSQL
   stores the previous chunks. The raw NIKs never reach the database.
3. The primary key (the unique index) is built once, on the filled table. A file with duplicate NIKs
   makes that fail: the table is then rebuilt with one row per digest (the slower, rarer path).
4. ANALYZE, then the swap: the category's active version becomes `replaced`, the new one `active`
   (the partial unique constraint allows one active version per category).
   A file with no valid line at all is refused instead of swapped in (its version `failed`, with
   its bad rows): an empty list would exclude nobody of its category from the next screening.
A running screening recorded the versions it started with; their tables are dropped only by
release_unused_list_tables() once no running screening names them.

Progress is written by a small thread on its own connection, since the load's transaction is not
visible until it commits. On SQLite (development, small files) the same service inserts the rows.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import os
import re
import shutil
import struct
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, Iterator

import filetype
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eligibility.models.lists import BadRowReason, ExclusionList, ExclusionListBadRow, ListCategory
from eligibility.models.screening import ScreeningRun
from prakerja.lib.digest import digest_bytes
from prakerja.lib.identity import PROVINCE_CODES, clean_number, mask
from prakerja.lib.messages import TranslatableError
from registration.models import User

logger = logging.getLogger(__name__)

# Bytes read per chunk. Measured on 10M lines: the whole-chunk regex costs ~1 s of CPU at 64-256 KB and
# several times more at 4 MB (the regex engine's backtracking stack outgrows the CPU cache).
CHUNK_BYTES = 256 * 1024
# pg_advisory_xact_lock(LOCK_NAMESPACE, n): n=0 serialises swaps and table releases; n=version id keeps
# two deliveries of one load task from loading the same version at once.
LOCK_NAMESPACE = 0x4C495354  # "LIST"
# Session settings for the load's transaction (SET LOCAL): memory to build the index (and, for a file
# with duplicates, sort the digests) without spilling to disk; JIT compiling costs more than it saves.
PG_LOAD_SETTINGS = {
    "jit": "off",
    "maintenance_work_mem": "1GB",
    "work_mem": "256MB",
}
_ASCII_16_DIGITS = re.compile(r"[0-9]{16}")
# The bad-row reason of a valid NIK loaded without its KK, by the KK's problem (_check_number).
_KK_DROPPED_REASONS = {
    "format": BadRowReason.KK_FORMAT_NIK_LOADED.value,
    "province": BadRowReason.KK_PROVINCE_NIK_LOADED.value,
}
_TABLE_NAME = re.compile(r"exclusion_list_[0-9]+")


class ListFileError(TranslatableError, ValueError):
    """A list file refused as a whole (no `nik` column, not UTF-8, empty, not a CSV file, no valid row).

    str() is a message for staff in their language. Nothing was loaded: a file refused before its load
    started stored nothing; one refused after reading it (no valid row) left a `failed` version with its
    error and its bad rows, and the list in force unchanged."""


def upload_dir() -> Path:
    """Where uploaded list files wait for their task: under var/, never under the web root."""
    return Path(settings.EXCLUSION_LIST_UPLOAD_DIR)


def max_upload_bytes() -> int:
    return settings.EXCLUSION_LIST_MAX_UPLOAD_MB * 1024 * 1024


# --- The file ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListLayout:
    """Where the fields are in a list file, as its header says."""

    nik_index: int
    kk_index: int | None
    delimiter: str  # "," or ";" (spreadsheets set to Indonesian export CSV with semicolons)
    data_offset: int  # byte offset of the first data line (after the header)
    size: int


def inspect_list_file(file: BinaryIO, *, category: str) -> ListLayout:
    """Check a whole list file before anything is stored, and find its `nik` (and `kk`) columns.

    Refuses (ListFileError) a binary file (a spreadsheet, a ZIP, a PDF), a file that is not UTF-8 text,
    one without a `nik` column in its header line, and one with no data line. Reads the file once.
    """
    file.seek(0)
    head = file.read(8192)
    if not head.strip():
        raise ListFileError(gettext_lazy("The file is empty."))
    kind = filetype.guess(head)
    if kind is not None or b"\x00" in head:
        raise ListFileError(
            gettext_lazy(
                "This is not a CSV file (it looks like %(kind)s). Save the list as CSV (UTF-8) and upload it again."),
            kind=kind.extension.upper() if kind else gettext_lazy("a binary file"),
        )
    file.seek(0)
    header = file.readline()
    data_offset = file.tell()
    try:
        header_text = header.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_utf8(1) from None
    delimiter = ";" if ";" in header_text and "," not in header_text else ","
    try:
        columns = [name.strip().lower() for name in next(csv.reader([header_text], delimiter=delimiter), [])]
    except csv.Error:
        columns = []
    if "nik" not in columns:
        raise ListFileError(
            gettext_lazy("The first line of the file must be a header with a “nik” column; found: %(columns)s."),
            columns=", ".join(f"“{name}”" for name in columns if name) or gettext_lazy("nothing"),
        )
    nik_index = columns.index("nik")
    kk_index = columns.index("kk") if category == ListCategory.PRIOR_AWARDEE and "kk" in columns else None
    # The whole file must be UTF-8: checked in one pass, so that a load never fails half-way for it.
    decoder = codecs.getincrementaldecoder("utf-8")()
    has_data = False
    line = 2
    while chunk := file.read(CHUNK_BYTES):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise _not_utf8(line + chunk.count(b"\n", 0, exc.start)) from None
        has_data = has_data or bool(chunk.strip(b" \t\r\n,;"))
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _not_utf8(line) from None
    if not has_data:
        raise ListFileError(gettext_lazy("The file has a header but no rows: nothing to load."))
    file.seek(0, os.SEEK_END)
    return ListLayout(
        nik_index=nik_index, kk_index=kk_index, delimiter=delimiter, data_offset=data_offset, size=file.tell()
    )


def _not_utf8(line: int) -> ListFileError:
    return ListFileError(
        gettext_lazy(
            "The file is not UTF-8 text (first problem on line %(line)s). Save it as “CSV UTF-8” and try again."),
        line=line,
    )


def _check_number(raw: str) -> tuple[str, str | None]:
    """(16 digits, None) or ("", problem) where problem is "empty", "format" or "province"."""
    number = clean_number(raw)
    if not number:
        return "", "empty"
    if not _ASCII_16_DIGITS.fullmatch(number):
        return "", "format"
    if number[:2] not in PROVINCE_CODES:
        return "", "province"
    return number, None


class _LineReader:
    """Streams the data lines of a list file as blocks of good lines, in the file's own column layout.

    Bad lines are written to `bad_sink` as "line,reason" and counted; they never reach the database
    as data. Line numbers are physical lines, the header being line 1 (one record per line).
    A line with a valid NIK and an invalid KK (prior-awardee list) is good, passed on with an empty KK,
    and also written to `bad_sink` and counted in `kk_dropped`: a mistyped KK must not take the
    recipient's NIK off the list, or that recipient would pass screening and be awarded again.
    """

    def __init__(self, file: BinaryIO, layout: ListLayout, bad_sink: IO[str]):
        self.file = file
        self.layout = layout
        self.bad_sink = bad_sink
        self.lines = 0
        self.good = 0
        self.bad = 0
        self.kk_dropped = 0
        self.bytes_read = 0
        self._width = max(layout.nik_index, layout.kk_index or 0) + 1
        # A line that needs no parsing: plain fields (no quotes, no control characters), a valid NIK in
        # its column, an empty or valid KK in its column. The whole chunk must match, in one C call.
        province = b"(?:" + b"|".join(code.encode() for code in sorted(PROVINCE_CODES)) + b")"
        number = province + b"[0-9]{14}"
        sep = layout.delimiter.encode()
        plain = b'[^' + sep + rb'"\n\x00-\x1f\x7f]*'
        fields = []
        for index in range(self._width):
            if index == layout.nik_index:
                fields.append(number)
            elif index == layout.kk_index:
                fields.append(b"(?:" + number + b")?")
            else:
                fields.append(plain)
        line = sep.join(fields) + b"(?:" + sep + rb'[^"\n\x00-\x1f\x7f]*)?\n'
        self._plain_chunk = re.compile(b"(?:" + line + b")*")

    def blocks(self) -> Iterator[bytes]:
        self.file.seek(self.layout.data_offset)
        first_line = 2
        while chunk := self.file.read(CHUNK_BYTES):
            if not chunk.endswith(b"\n"):
                chunk += self.file.readline()
                if not chunk.endswith(b"\n"):
                    chunk += b"\n"  # the last line has no line end
            if b"\r" in chunk:
                chunk = chunk.replace(b"\r\n", b"\n")
            count = chunk.count(b"\n")
            self.lines += count
            if self._plain_chunk.fullmatch(chunk):
                self.good += count
            else:
                chunk = self._parse(chunk, first_line)
            first_line += count
            self.bytes_read = self.file.tell() - self.layout.data_offset
            if chunk:
                yield chunk

    def _parse(self, chunk: bytes, first_line: int) -> bytes:
        """The slow path: each line through the csv module; good lines rewritten plainly, bad ones recorded."""
        layout, out = self.layout, []
        for offset, text in enumerate(chunk.decode("utf-8").split("\n")[:-1]):
            try:
                fields = next(csv.reader([text], delimiter=layout.delimiter), [])
            except csv.Error:
                fields = None
            reason = None
            if fields is None:
                reason = BadRowReason.FORMAT
            else:
                raw = fields[layout.nik_index] if len(fields) > layout.nik_index else ""
                nik, problem = _check_number(raw)
                reason = problem
                kk = ""
                if not reason and layout.kk_index is not None and len(fields) > layout.kk_index:
                    kk, problem = _check_number(fields[layout.kk_index])
                    if problem and problem != "empty":
                        # Loaded without its KK (kk is ""), and reported.
                        self.kk_dropped += 1
                        self.bad_sink.write(f"{first_line + offset},{_KK_DROPPED_REASONS[problem]}\n")
            if reason:
                self.bad += 1
                self.bad_sink.write(f"{first_line + offset},{reason}\n")
                continue
            cells = [""] * self._width
            cells[layout.nik_index] = nik
            if layout.kk_index is not None:
                cells[layout.kk_index] = kk
            out.append(layout.delimiter.join(cells))
            self.good += 1
        return ("\n".join(out) + "\n").encode() if out else b""


class _BlockStream(io.RawIOBase):
    """A file-like view of an iterator of byte blocks, for psycopg2's copy_expert (which calls read())."""

    def __init__(self, blocks: Iterator[bytes]):
        self._blocks = blocks

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return next(self._blocks, b"")


class _Hasher:
    """HMAC-SHA256 truncated to 128 bits, as prakerja.lib.digest.digest_bytes, for many values at once.

    The key's inner and outer hash states are computed once and copied per value: half the cost of
    hmac.digest() per NIK, which matters at ten million of them.
    """

    def __init__(self, key: bytes):
        if len(key) > 64:  # RFC 2104: a key longer than the block is hashed first
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def digests(self, values: list[bytes]) -> list[bytes | None]:
        """The 16-byte digest of each value; None for an empty value (a missing KK)."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy

        def digest(value: bytes) -> bytes | None:
            if not value:
                return None
            inner = inner_copy()
            inner.update(value)
            outer = outer_copy()
            outer.update(inner.digest())
            return outer.digest()[:16]

        return list(map(digest, values))


def _numbers(block: bytes, layout: ListLayout) -> tuple[list[bytes], list[bytes] | None]:
    """The NIK (and KK) fields of a block of good lines, as the reader passes them on."""
    lines = block.split(b"\n")[:-1]
    sep = layout.delimiter.encode()
    if layout.nik_index == 0 and layout.kk_index is None and sep not in block:
        return lines, None  # the common file: one NIK per line, nothing else
    width = max(layout.nik_index, layout.kk_index or 0)
    fields = [line.split(sep, width + 1) for line in lines]
    niks = [row[layout.nik_index] for row in fields]
    if layout.kk_index is None:
        return niks, None
    return niks, [row[layout.kk_index] if len(row) > layout.kk_index else b"" for row in fields]


# PostgreSQL's binary COPY format: a header, per row a field count and length-prefixed values, a trailer.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_COPY_TRAILER = struct.pack("!h", -1)
_ROW_START = struct.pack("!hi", 2, 16)  # two fields; the first (nik_digest) is 16 bytes
_UUID_FIELD = struct.pack("!i", 16)
_NULL_FIELD = struct.pack("!i", -1)


def _copy_rows(nik_digests: list[bytes], kk_digests: list[bytes | None] | None) -> bytes:
    if not nik_digests:
        return b""
    if kk_digests is None:
        # Every row is ROW_START + digest + NULL: one join, no per-row Python.
        return _ROW_START + (_NULL_FIELD + _ROW_START).join(nik_digests) + _NULL_FIELD
    return b"".join(
        _ROW_START + nik + (_UUID_FIELD + kk if kk else _NULL_FIELD) for nik, kk in zip(nik_digests, kk_digests)
    )


_worker_hasher: _Hasher | None = None


def _init_digest_worker(key: bytes) -> None:
    global _worker_hasher
    _worker_hasher = _Hasher(key)


def _block_copy_rows(block: bytes, layout: ListLayout, hasher: _Hasher | None = None) -> bytes:
    """A block of good lines as binary COPY rows of their digests (in a digest process, or here)."""
    hasher = hasher or _worker_hasher
    niks, kks = _numbers(block, layout)
    return _copy_rows(hasher.digests(niks), None if kks is None else hasher.digests(kks))


def _digest_processes(layout: ListLayout) -> int:
    """How many processes digest a file: one per CPU for a large file, none (this process) otherwise."""
    configured = settings.EXCLUSION_LIST_DIGEST_PROCESSES
    processes = min(4, os.cpu_count() or 1) if configured is None else configured
    min_bytes = settings.EXCLUSION_LIST_PARALLEL_MIN_BYTES
    return processes if processes > 1 and layout.size >= min_bytes else 0


class _DigestPool:
    """Digests blocks in worker processes (forked: they inherit the code, and get the key once), in order.

    HMAC of ten million NIKs is ~6 s of one CPU in Python; spread over the machine's CPUs while this
    process reads the file and PostgreSQL stores the rows. Small files, or a process that may not fork
    (a daemonic one), digest in this process instead.
    """

    def __init__(self, layout: ListLayout):
        self.layout = layout
        self._hasher = _Hasher(settings.DIGEST_KEY.encode())
        self._pool = None
        self._processes = processes = _digest_processes(layout)
        if processes:
            import multiprocessing

            # A Celery prefork worker is a daemonic process, and multiprocessing refuses children to
            # those (so that none outlive it). These children are daemonic themselves, live only
            # for this load, and are terminated in __exit__: lift the flag while forking them.
            current = multiprocessing.current_process()
            daemonic = current._config.get("daemon")
            current._config["daemon"] = False
            try:
                self._pool = multiprocessing.get_context("fork").Pool(
                    processes, initializer=_init_digest_worker, initargs=(settings.DIGEST_KEY.encode(),)
                )
            except (AssertionError, OSError, ValueError):
                logger.warning("Digesting exclusion list rows in one process: cannot start worker processes")
            finally:
                if daemonic is not None:
                    current._config["daemon"] = daemonic

    def __enter__(self) -> _DigestPool:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._pool is not None:
            if exc_type is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()

    def copy_rows(self, blocks: Iterator[bytes]) -> Iterator[bytes]:
        """COPY rows for each block, in the file's order."""
        if self._pool is None:
            yield from (_block_copy_rows(block, self.layout, self._hasher) for block in blocks)
            return
        # A few blocks in flight per process: the file is read (here, with its progress) only as fast as
        # the workers digest it, so memory stays bounded whatever the file's size.
        pending: deque = deque()
        for block in blocks:
            pending.append(self._pool.apply_async(_block_copy_rows, (block, self.layout)))
            if len(pending) >= 3 * self._processes:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


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


@dataclass
class _Counts:
    lines: int = 0
    good: int = 0
    bad: int = 0
    kk_dropped: int = 0
    rows: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.good - self.rows


# --- Loading -----------------------------------------------------------------------------------------

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
    with _open(path_or_file) as file:
        layout = inspect_list_file(file, category=category)
        version = ExclusionList.objects.create(
            category=category, file_name=file_name[:255], loaded_by=by, status=ExclusionList.Status.LOADING
        )
        _load_version(version, file, layout)
    release_unused_list_tables()
    version.refresh_from_db()
    version.timings = getattr(version, "_timings", {})
    return version


def start_exclusion_load(*, category: str, upload: BinaryIO, file_name: str, by: User | None) -> ExclusionList:
    """Check an uploaded list file, keep it under var/ (outside the web root) and enqueue its load.

    Raises ListFileError, storing nothing, for a file refused as a whole. The task starts once this
    transaction commits; the version shows its progress meanwhile.
    """
    from eligibility.list_tasks import load_exclusion_list_task

    if category not in ListCategory.values:
        raise ListFileError(gettext_lazy("Unknown list category “%(category)s”."), category=category)
    inspect_list_file(upload, category=category)
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.csv"
    upload.seek(0)
    with open(target, "wb") as out:
        shutil.copyfileobj(upload, out, CHUNK_BYTES)
    os.chmod(target, 0o600)
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
    sweep (eligibility.tasks.requeue_stale_partitions). Returns (re-enqueued ids, failed ids).

    A live load holds its version's advisory lock for its whole transaction (_load_version), so on
    PostgreSQL a version whose lock is taken is being loaded, however long that takes, and is left
    alone. While this sweep holds the lock a delivery of the load skips it ("being loaded by another
    worker"), which is harmless: the message enqueued here is sent after the sweep's commit. Running
    the sweep twice, or beside a late delivery of the original message, is safe: a load finds the
    version no longer `loading`, or the lock taken, and does nothing. Uploads (a file under var/) are
    re-enqueued up to MAX_LOAD_REQUEUES times; a command-line load (no file kept) cannot be redone
    by a worker and is failed with a message asking to load it again.
    """
    from eligibility.list_tasks import load_exclusion_list_task

    now = timezone.now()
    cutoff = now - (older_than if older_than is not None else stale_load_after())
    stale = ExclusionList.objects.filter(status=ExclusionList.Status.LOADING).filter(
        models.Q(enqueued_at__lt=cutoff) | models.Q(enqueued_at__isnull=True, created_at__lt=cutoff)
    )
    requeued, failed = [], []
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            if connection.vendor == "postgresql" and not _try_lock_version(pk):
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
                with _DigestPool(layout) as digest_pool, _ProgressWriter(version.pk) as progress, \
                        transaction.atomic():
                    if not _try_lock_version(version.pk):
                        logger.info("Exclusion list %s is being loaded by another worker", version.pk)
                        return
                    if not ExclusionList.objects.filter(pk=version.pk, status=ExclusionList.Status.LOADING).exists():
                        return
                    counts = _fill_postgresql(version, file, layout, bad_sink, progress, digest_pool)
                    _save_bad_rows_postgresql(version, bad_sink)
                    refused = _swap_or_refuse(version, counts)
            else:
                with transaction.atomic():
                    counts = _fill_sqlite(version, file, layout, bad_sink)
                    _save_bad_rows_generic(version, bad_sink)
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


def _swap_or_refuse(version: ExclusionList, counts: _Counts) -> ListFileError | None:
    """Swap the filled version in; or, when the file had no valid row, fail it and return the refusal.

    A file whose every NIK is bad (a spreadsheet turned them into numbers like 3.20101E+15) must not
    replace the list in force with an empty one: the next screening would exclude nobody of this
    category. Runs inside the load's transaction, after the bad rows were saved, which stay with the
    failed version as its report.
    """
    if counts.rows:
        _swap(version, counts)
        return None
    refused = ListFileError(
        gettext_lazy(
            "No row of the file has a valid NIK (bad rows: %(count)s), so nothing was loaded and the list in force "
            "did not change. If a spreadsheet turned the NIKs into numbers such as 3.20101E+15, format the “nik” "
            "column as text, export the file as CSV again and load it again."),
        count=counts.bad,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(f'exclusion_list_{version.pk}')}")
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


def _try_lock_version(version_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, version_id])
        return cursor.fetchone()[0]


def _fill_postgresql(
    version: ExclusionList, file: BinaryIO, layout: ListLayout, bad_sink: IO[str], progress: _ProgressWriter,
    digest_pool: _DigestPool,
) -> _Counts:
    qn = connection.ops.quote_name
    table = qn(f"exclusion_list_{version.pk}")
    counts, clock = _Counts(), time.perf_counter()
    reader = _LineReader(file, layout, bad_sink)

    def copy_data() -> Iterator[bytes]:
        yield _COPY_HEADER
        for rows in digest_pool.copy_rows(reader.blocks()):
            yield rows
            progress.value = min(80, int(80 * reader.bytes_read / max(layout.size, 1)))
        yield _COPY_TRAILER

    with connection.cursor() as cursor:
        for name, value in PG_LOAD_SETTINGS.items():
            cursor.execute(f"SET LOCAL {name} = '{value}'")
        # Unindexed while it fills: COPY into an indexed table is 20-30x slower (PERFORMANCE.md).
        cursor.execute(f"CREATE TABLE {table} (nik_digest uuid NOT NULL, kk_digest uuid NULL)")
        # Binary COPY of the digests: PostgreSQL parses nothing, and the NIKs never leave this process.
        cursor.copy_expert(f"COPY {table} (nik_digest, kk_digest) FROM STDIN WITH (FORMAT binary)",
                           _BlockStream(copy_data()))
        counts.lines, counts.good, counts.bad = reader.lines, reader.good, reader.bad
        counts.kk_dropped = reader.kk_dropped
        counts.timings["read_digest_copy"] = time.perf_counter() - clock
        counts.rows = counts.good
        if not counts.good:
            return counts  # refused by _load_version: nothing to index
        try:
            with transaction.atomic():  # a savepoint: duplicates make the unique index fail
                cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (nik_digest)")
        except IntegrityError:
            # Duplicate NIKs (the rare path): keep one row per digest, with a KK digest where any copy
            # has one, then index.
            deduped = qn(f"exclusion_list_{version.pk}_dedup")
            cursor.execute(
                f"CREATE TABLE {deduped} AS SELECT DISTINCT ON (nik_digest) nik_digest, kk_digest FROM {table}"
                f" ORDER BY nik_digest, kk_digest NULLS LAST"
            )
            counts.rows = cursor.rowcount
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(f"ALTER TABLE {deduped} RENAME TO {table}")
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN nik_digest SET NOT NULL")
            cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (nik_digest)")
        if version.category == ListCategory.PRIOR_AWARDEE:
            # Built on the filled table like the primary key. The KK phase of a screening counts the
            # earlier recipients of each family card in its KK digest range from this index alone.
            cursor.execute(
                f"CREATE INDEX {qn(f'exclusion_list_{version.pk}_kk')} ON {table} (kk_digest)"
                f" INCLUDE (nik_digest) WHERE kk_digest IS NOT NULL"
            )
        progress.value = 95
        counts.timings["index"] = time.perf_counter() - clock - sum(counts.timings.values())
        # The screening joins this table next: the planner must not believe it is empty.
        cursor.execute(f"ANALYZE {table}")
        counts.timings["analyze"] = time.perf_counter() - clock - sum(counts.timings.values())
    return counts


def _fill_sqlite(version: ExclusionList, file: BinaryIO, layout: ListLayout, bad_sink: IO[str]) -> _Counts:
    """Development path: the same reader and digests, plain inserts (small files)."""
    qn = connection.ops.quote_name
    table = qn(f"exclusion_list_{version.pk}")
    counts, clock = _Counts(), time.perf_counter()
    reader = _LineReader(file, layout, bad_sink)
    hasher = _Hasher(settings.DIGEST_KEY.encode())
    with connection.cursor() as cursor:
        # char(32): lowercase hex without dashes, as Django stores a UUIDField on SQLite.
        cursor.execute(f"CREATE TABLE {table} (nik_digest char(32) NOT NULL PRIMARY KEY, kk_digest char(32) NULL)")
        for block in reader.blocks():
            niks, kks = _numbers(block, layout)
            nik_digests = [digest.hex() for digest in hasher.digests(niks)]
            kk_digests = [None] * len(niks) if kks is None else [d.hex() if d else None for d in hasher.digests(kks)]
            # A duplicate NIK counts once; a KK digest from any of its lines is kept.
            cursor.executemany(
                f"INSERT INTO {table} (nik_digest, kk_digest) VALUES (%s, %s) ON CONFLICT (nik_digest)"
                f" DO UPDATE SET kk_digest = COALESCE({table}.kk_digest, excluded.kk_digest)",
                list(zip(nik_digests, kk_digests)),
            )
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        counts.rows = cursor.fetchone()[0]
        if version.category == ListCategory.PRIOR_AWARDEE:
            # As on PostgreSQL, for the KK phase's look-up by family card (SQLite has no INCLUDE).
            cursor.execute(f"CREATE INDEX {qn(f'exclusion_list_{version.pk}_kk')} ON {table} (kk_digest)")
    counts.lines, counts.good, counts.bad = reader.lines, reader.good, reader.bad
    counts.kk_dropped = reader.kk_dropped
    counts.timings["load"] = time.perf_counter() - clock
    return counts


def _save_bad_rows_postgresql(version: ExclusionList, bad_sink: IO[str]) -> None:
    bad_sink.flush()
    if not bad_sink.tell():
        return
    bad_sink.seek(0)
    table = ExclusionListBadRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE exclusion_bad_stage (line bigint, reason text) ON COMMIT DROP")
        cursor.copy_expert("COPY exclusion_bad_stage (line, reason) FROM STDIN WITH (FORMAT csv)", bad_sink)
        cursor.execute(
            f"INSERT INTO {table} (exclusion_list_id, line, reason) SELECT %s, line, reason FROM exclusion_bad_stage",
            [version.pk],
        )
        cursor.execute("DROP TABLE exclusion_bad_stage")


def _save_bad_rows_generic(version: ExclusionList, bad_sink: IO[str]) -> None:
    bad_sink.flush()
    bad_sink.seek(0)
    batch = []
    for row in csv.reader(bad_sink):
        batch.append(ExclusionListBadRow(exclusion_list=version, line=int(row[0]), reason=row[1]))
        if len(batch) >= 5000:
            ExclusionListBadRow.objects.bulk_create(batch)
            batch = []
    ExclusionListBadRow.objects.bulk_create(batch)


def _lock_swaps() -> None:
    """Serialise swaps and table releases (PostgreSQL; SQLite serialises every writer anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_NAMESPACE])


def _swap(version: ExclusionList, counts: _Counts) -> None:
    """Make `version` the active list of its category; the previous active version becomes `replaced`.

    Runs inside the load's transaction: readers see the old version or the new one, never both or none.
    Locking the previous version's row (FOR UPDATE) waits for a screening that is snapshotting the
    active versions (FOR SHARE) to commit, so that its run is visible before the old table can go.
    """
    _lock_swaps()
    previous = list(
        ExclusionList.objects.select_for_update()
        .filter(category=version.category, status=ExclusionList.Status.ACTIVE)
        .exclude(pk=version.pk)
        .values_list("pk", flat=True)
    )
    ExclusionList.objects.filter(pk__in=previous).update(status=ExclusionList.Status.REPLACED)
    ExclusionList.objects.filter(pk=version.pk).update(
        status=ExclusionList.Status.ACTIVE,
        activated_at=timezone.now(),
        table_name=f"exclusion_list_{version.pk}",
        line_count=counts.lines,
        row_count=counts.rows,
        duplicate_count=counts.duplicates,
        bad_row_count=counts.bad,
        kk_dropped_count=counts.kk_dropped,
        progress=100,
        error="",
    )


def release_unused_list_tables() -> list[str]:
    """Drop the entries tables of replaced (or failed) versions that no running screening uses.

    A running ScreeningRun names its versions in list_versions ([{"version_id": ...}, ...]); their
    tables stay until the run is no longer running. Returns the names of the dropped tables.
    """
    dropped = []
    with transaction.atomic():
        _lock_swaps()
        in_use = {
            entry.get("version_id")
            for versions in ScreeningRun.objects.filter(status=ScreeningRun.Status.RUNNING).values_list(
                "list_versions", flat=True
            )
            for entry in (versions or [])
            if isinstance(entry, dict)
        }
        candidates = (
            ExclusionList.objects.select_for_update()
            .filter(status__in=[ExclusionList.Status.REPLACED, ExclusionList.Status.FAILED])
            .exclude(table_name="")
            .exclude(pk__in=[pk for pk in in_use if isinstance(pk, int)])
        )
        with connection.cursor() as cursor:
            for version in candidates:
                if not _TABLE_NAME.fullmatch(version.table_name):
                    continue
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(version.table_name)}")
                dropped.append(version.table_name)
                ExclusionList.objects.filter(pk=version.pk).update(table_name="", released_at=timezone.now())
    if dropped:
        logger.info("Released exclusion list tables: %s", ", ".join(dropped))
    return dropped


# --- Look-up -----------------------------------------------------------------------------------------

def is_nik_on_list(*, nik: str, category: str | None = None) -> list[ExclusionList]:
    """The active versions (of `category`, or of every category) whose list holds this NIK.

    The NIK is digested like an applicant's and never stored or logged. Raises ValueError for a NIK
    that is not 16 digits with a valid province code.
    """
    number, problem = _check_number(nik)
    if problem:
        raise ValueError(problem)
    digest = models.UUIDField().get_db_prep_value(uuid.UUID(bytes=digest_bytes(number)), connection)
    versions = ExclusionList.objects.active().select_related("loaded_by").order_by("category")
    if category:
        versions = versions.filter(category=category)
    found = []
    with connection.cursor() as cursor:
        for version in versions:
            if not _TABLE_NAME.fullmatch(version.table_name):
                continue
            cursor.execute(
                f"SELECT 1 FROM {connection.ops.quote_name(version.table_name)} WHERE nik_digest = %s", [digest]
            )
            if cursor.fetchone():
                found.append(version)
    return found


def masked(nik: str) -> str:
    """The NIK as staff pages may show it."""
    return mask(clean_number(nik))
