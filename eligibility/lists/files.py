"""Reading an exclusion-list file: its layout, its whole-file checks, its lines (good and bad).

Nothing here touches the database. The NIK and KK rules are prakerja.lib.identity's.
"""
from __future__ import annotations

import codecs
import csv
import os
import re
from dataclasses import dataclass
from typing import IO, BinaryIO, Iterator

import filetype
from django.utils.translation import gettext_lazy

from eligibility.lists.damage import DamageScan, looks_like_spreadsheet_number
from eligibility.lists.reasons import mask_value
from eligibility.models.lists import BadRowReason, ListCategory
from prakerja.lib.identity import KK_PATTERN, NIK_PATTERN, clean_number, kk_problem, nik_problem
from prakerja.lib.messages import TranslatableError

# Bytes read per chunk. Measured on 10M lines: the whole-chunk regex costs ~1 s of CPU at 64-256 KB and
# several times more at 4 MB (the regex engine's backtracking stack outgrows the CPU cache).
CHUNK_BYTES = 256 * 1024
# The bad-row reason of a valid NIK loaded without its KK, by the KK's problem (check_number).
_KK_DROPPED_REASONS = {
    "format": BadRowReason.KK_FORMAT_NIK_LOADED.value,
    "province": BadRowReason.KK_PROVINCE_NIK_LOADED.value,
    "region": BadRowReason.KK_REGION_NIK_LOADED.value,
}


class ListFileError(TranslatableError, ValueError):
    """A list file refused as a whole (no `nik` column, not UTF-8, empty, not a CSV file or a spreadsheet,
    damaged by a spreadsheet, no valid row).

    str() is a message for staff in their language. Nothing was loaded: a file refused before its load
    started stored nothing; one refused after reading it (no valid row) left a `failed` version with its
    error and its bad rows, and the list in force unchanged."""



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

    Refuses (ListFileError) a binary file (a ZIP, a PDF; spreadsheets are converted before, by
    eligibility.lists.spreadsheets), a file that is not UTF-8 text (naming its likely encoding), one
    without a `nik` column in its header line, one with no data line, and one a spreadsheet damaged
    (eligibility.lists.damage: the finding, its lines and the fix). Reads the file once.
    """
    file.seek(0)
    head = file.read(8192)
    if not head.strip():
        raise ListFileError(gettext_lazy("The file is empty."))
    for bom, encoding in _OTHER_UNICODE_BOMS:  # before the binary check: UTF-16 text is full of NUL bytes
        if head.startswith(bom):
            raise _not_utf8(1, encoding)
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
    # The whole file must be UTF-8, and free of spreadsheet damage (eligibility.lists.damage): checked in
    # one pass, so that a load never fails half-way for it.
    decoder = codecs.getincrementaldecoder("utf-8")()
    scan = DamageScan(nik_index=nik_index, columns=len(columns), delimiter=delimiter)
    has_data = False
    line = 2
    while chunk := file.read(CHUNK_BYTES):
        if not chunk.endswith(b"\n"):
            chunk += file.readline()  # whole lines for the scan
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise _not_utf8(line + chunk.count(b"\n", 0, exc.start), _guess_encoding(chunk)) from None
        has_data = has_data or bool(chunk.strip(b" \t\r\n,;"))
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n")
        scan.feed(chunk if chunk.endswith(b"\n") else chunk + b"\n", line)
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _not_utf8(line) from None
    if not has_data:
        raise ListFileError(gettext_lazy("The file has a header but no rows: nothing to load."))
    if damage := scan.verdict():
        raise damage
    file.seek(0, os.SEEK_END)
    return ListLayout(
        nik_index=nik_index, kk_index=kk_index, delimiter=delimiter, data_offset=data_offset, size=file.tell()
    )


# Unicode text that is not UTF-8, by its byte-order mark (UTF-32 first: its LE mark starts like UTF-16's).
_OTHER_UNICODE_BOMS = [
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16 (Excel’s “Unicode Text”)"), (codecs.BOM_UTF16_BE, "UTF-16"),
]


def _guess_encoding(chunk: bytes) -> str:
    """The likely encoding of text that is not UTF-8: Excel's plain “CSV” on Windows writes Windows-1252."""
    try:
        chunk.decode("cp1252")
    except UnicodeDecodeError:
        return gettext_lazy("an unknown 8-bit encoding")
    return "Windows-1252 (ANSI)"


def _not_utf8(line: int, encoding: str | None = None) -> ListFileError:
    if encoding is None:
        return ListFileError(
            gettext_lazy(
                "The file is not UTF-8 text (first problem on line %(line)s). Save it as “CSV UTF-8” and try again."),
            line=line,
        )
    return ListFileError(
        gettext_lazy(
            "The file is in %(encoding)s, not UTF-8 (first problem on line %(line)s). Save it as “CSV UTF-8” "
            "(in Excel: Save As, “CSV UTF-8 (Comma delimited)”) and load it again."),
        line=line, encoding=encoding,
    )


def check_number(raw: str, *, kk: bool = False) -> tuple[str, str | None]:
    """(16 digits, None) or ("", problem), problem an IdentityError code (prakerja.lib.identity's NIK or KK
    rule, the one the applicant's profile follows); every NIK code is a BadRowReason."""
    number = clean_number(raw)
    problem = kk_problem(number) if kk else nik_problem(number)
    return ("", problem) if problem else (number, None)


class LineReader:
    """Streams the data lines of a list file as blocks of good lines, in the file's own column layout.

    Bad lines are written to `bad_sink` as CSV "line,reason,masked value" and counted; they never reach the database
    as data. Line numbers are physical lines, the header being line 1 (one record per line).
    A line with a valid NIK and an invalid KK (prior-awardee list) is good, passed on with an empty KK,
    and also written to `bad_sink` and counted in `kk_dropped`: a mistyped KK must not take the
    recipient's NIK off the list, or that recipient would pass screening and be awarded again.
    """

    def __init__(self, file: BinaryIO, layout: ListLayout, bad_sink: IO[str]):
        self.file = file
        self.layout = layout
        self.bad_sink = bad_sink
        self._bad_writer = csv.writer(bad_sink, lineterminator="\n")
        self.lines = 0
        self.good = 0
        self.bad = 0
        self.kk_dropped = 0
        self.bytes_read = 0
        self._width = max(layout.nik_index, layout.kk_index or 0) + 1
        # A line that needs no parsing: plain fields (no quotes, no control characters), a valid NIK in
        # its column, an empty or valid KK in its column. The whole chunk must match, in one C call.
        # The NIK and KK patterns are identity's own rules, so this path accepts what check_number accepts.
        nik, kk = NIK_PATTERN.encode(), KK_PATTERN.encode()
        sep = layout.delimiter.encode()
        plain = b'[^' + sep + rb'"\n\x00-\x1f\x7f]*'
        fields = []
        for index in range(self._width):
            if index == layout.nik_index:
                fields.append(b"(?:" + nik + b")")
            elif index == layout.kk_index:
                fields.append(b"(?:" + kk + b")?")
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
            # match(), not fullmatch(): where a line is refused, fullmatch() would backtrack through every
            # plain line before it before failing; match() stops there, and the mixed parse goes on from it.
            plain_end = self._plain_chunk.match(chunk).end()
            if plain_end == len(chunk):
                self.good += count
            else:
                chunk = self._parse_mixed(chunk, first_line, plain_end)
            first_line += count
            self.bytes_read = self.file.tell() - self.layout.data_offset
            if chunk:
                yield chunk

    def _parse_mixed(self, chunk: bytes, first_line: int, plain_end: int) -> bytes:
        """A chunk with a line the plain pattern refuses (its plain lines end at byte `plain_end`): the runs of
        plain lines pass as they are (one C call each, the same compiled pattern) and only the lines between
        them take the csv path (_parse). A file with one bad line in 10,000 thus stays on the fast path for
        all the others."""
        out, at, line = [], 0, first_line
        while at < len(chunk):
            # The longest run of plain lines from `at` (the first one is known).
            end = plain_end if at == 0 else self._plain_chunk.match(chunk, at).end()
            if end > at:
                count = chunk.count(b"\n", at, end)
                self.good += count
                line += count
                out.append(chunk[at:end])
            if end < len(chunk):
                stop = chunk.index(b"\n", end) + 1  # the refused line, parsed on its own
                out.append(self._parse(chunk[end:stop], line))
                line += 1
                end = stop
            at = end
        return b"".join(out)

    def _parse(self, chunk: bytes, first_line: int) -> bytes:
        """The slow path: each line through the csv module; good lines rewritten plainly, bad ones recorded."""
        layout, out = self.layout, []
        for offset, text in enumerate(chunk.decode("utf-8").split("\n")[:-1]):
            try:
                fields = next(csv.reader([text], delimiter=layout.delimiter), [])
            except csv.Error:
                fields = None
            reason = None
            raw = ""  # an unparsable line: its text is not kept, even masked
            if fields is None:
                reason = BadRowReason.FORMAT
            else:
                raw = fields[layout.nik_index] if len(fields) > layout.nik_index else ""
                nik, problem = check_number(raw)
                reason = problem
                if looks_like_spreadsheet_number(raw):
                    reason = BadRowReason.FORMAT  # digits from a number format: the 16th is likely lost
                kk = ""
                if not reason and layout.kk_index is not None and len(fields) > layout.kk_index:
                    kk, problem = check_number(fields[layout.kk_index], kk=True)
                    if problem and problem != "empty":
                        # Loaded without its KK (kk is ""), and reported.
                        self.kk_dropped += 1
                        self._bad_row(first_line + offset, _KK_DROPPED_REASONS[problem], fields[layout.kk_index])
            if reason:
                self.bad += 1
                self._bad_row(first_line + offset, reason, raw)
                continue
            cells = [""] * self._width
            cells[layout.nik_index] = nik
            if layout.kk_index is not None:
                cells[layout.kk_index] = kk
            out.append(layout.delimiter.join(cells))
            self.good += 1
        return ("\n".join(out) + "\n").encode() if out else b""

    def _bad_row(self, line: int, reason: str, raw: str) -> None:
        """Record a bad line: its number, its reason and the offending value masked (never a whole NIK)."""
        self._bad_writer.writerow((line, reason, mask_value(raw)))



def split_numbers(block: bytes, layout: ListLayout) -> tuple[list[bytes], list[bytes] | None]:
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


