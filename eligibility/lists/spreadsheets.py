"""Spreadsheet list files (.xlsx, .ods), read by python-calamine into the CSV the loader reads.

Agencies export lists as spreadsheets more often than as CSV. A spreadsheet is turned into a temporary
UTF-8 CSV file (under var/, deleted when the load ends) that then goes through the same whole-file
checks (eligibility.lists.files.inspect_list_file, eligibility.lists.damage) and the same loader as an
uploaded CSV, so both give the same counts and the same bad-row report, line numbers included (the first
sheet's row n is line n; later sheets' rows continue the count, their header rows left out).

Sheets are read in workbook order. The first sheet's first row is the header; a later sheet whose
first row is the same header (a list over 1,048,576 rows, a spreadsheet's limit per sheet, split over
several sheets) has it skipped, and its rows continue the line numbers. calamine holds one sheet's
cells at a time (at most 1,048,576 rows), never the whole workbook's.

A NIK (or KK) cell stored as a number, not as text, is damage: a spreadsheet keeps 15 significant
digits of a number, so the 16th is lost. Such a file is refused as a whole, naming the rows (damage.py).
"""
from __future__ import annotations

import contextlib
import csv
import io
import itertools
import operator
import tempfile
from typing import BinaryIO, Iterator

import filetype
from django.conf import settings
from django.utils.translation import gettext_lazy

from eligibility.lists.damage import DamageScan

# filetype's names of the formats read here.
SPREADSHEET_KINDS = {"xlsx", "ods"}
BATCH_ROWS = 65536


def spreadsheet_kind(file: BinaryIO) -> str | None:
    """"xlsx" or "ods" for a spreadsheet (by content, not by name), else None. Leaves the file at 0."""
    file.seek(0)
    kind = filetype.guess(file.read(8192))
    file.seek(0)
    return kind.extension if kind is not None and kind.extension in SPREADSHEET_KINDS else None


@contextlib.contextmanager
def as_csv(file: BinaryIO) -> Iterator[BinaryIO]:
    """The file itself when it is not a spreadsheet; else a temporary CSV of its rows (deleted on exit).

    Raises eligibility.lists.files.ListFileError for a spreadsheet that cannot be read, one with no
    sheet, one whose header has no `nik` column, and one with NIK or KK cells stored as numbers.
    """
    kind = spreadsheet_kind(file)
    if kind is None:
        yield file
        return
    with tempfile.TemporaryFile(dir=settings.VAR_DIR) as out:
        write_csv(file, out, kind=kind)
        out.seek(0)
        yield out


def write_csv(file: BinaryIO, out: BinaryIO, *, kind: str) -> int:
    """Write the spreadsheet's rows as UTF-8 CSV to `out`; returns the data rows written."""
    from python_calamine import CalamineError, CalamineWorkbook

    from eligibility.lists.files import ListFileError

    try:
        workbook = CalamineWorkbook.from_filelike(file)
    except (CalamineError, ValueError, OSError):
        raise ListFileError(gettext_lazy("The spreadsheet (%(kind)s) cannot be read: save it again, or as “CSV UTF-8”."),
                            kind=kind.upper()) from None
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\n")
    header: list[str] | None = None
    number_columns: list[int] = []
    scan: DamageScan | None = None
    line = 1
    rows = 0
    for index in range(len(workbook.sheet_names)):
        sheet = workbook.get_sheet_by_index(index)
        iterator = iter(sheet.iter_rows())
        first = next(iterator, None)
        if first is None:
            continue
        cells = [_text(cell).strip().lower() for cell in first]
        if header is None:
            header = cells
            if "nik" not in header:
                raise ListFileError(gettext_lazy(
                    "The first row of the first sheet must be a header with a “nik” column; found: %(columns)s."),
                    columns=", ".join(f"“{name}”" for name in header if name) or gettext_lazy("nothing"))
            number_columns = [header.index(name) for name in ("nik", "kk") if name in header]
            scan = DamageScan(nik_index=header.index("nik"), columns=len(header), delimiter=",")
            writer.writerow(header)
        elif cells[: len(header)] != header:
            iterator = _chain(first, iterator)  # a sheet without a header row: its first row is data
        # In batches, so that the type check and the CSV writing run in C (map, writerows), not per row here.
        while batch := list(itertools.islice(iterator, BATCH_ROWS)):
            for column in number_columns:
                if column >= len(batch[0]):  # calamine's rows all have the sheet's width
                    continue
                # calamine gives a text cell as str, a number cell as float (or int): the 16th digit is gone.
                if set(map(type, map(operator.itemgetter(column), batch))) - {str}:
                    for offset, row in enumerate(batch):
                        if not isinstance(row[column], str):
                            scan.add_number_cell(line + 1 + offset)
            _write_rows(batch, text, writer)
            line += len(batch)
            rows += len(batch)
    text.flush()
    text.detach()
    if header is None:
        raise ListFileError(gettext_lazy("The file is empty."))
    if damage := scan.verdict():
        raise damage
    return rows


def _write_rows(batch: list[list], text: io.TextIOBase, writer) -> None:
    """Write rows as CSV lines, one per row: joined in C when every cell is plain text (no delimiter, quote or
    line end, the common case: 3x faster than the csv module), else by the csv module, which quotes what
    needs it, with line breaks inside a cell (an address) made spaces: the loader reads one record per line,
    and a sheet's row must stay one line for the line numbers of its report."""
    width = len(batch[0])
    try:
        joined = "\n".join(map("\x1f".join, batch))
    except TypeError:  # a cell that is not text (a number, a date)
        joined = None
    if (joined is not None and "," not in joined and '"' not in joined and "\r" not in joined
            and joined.count("\n") == len(batch) - 1 and joined.count("\x1f") == len(batch) * (width - 1)):
        text.write(joined.replace("\x1f", ",") + "\n")
    else:
        writer.writerows([_one_line(cell) for cell in row] for row in batch)


def _one_line(cell):
    return cell.replace("\r\n", " ").replace("\n", " ").replace("\r", " ") if isinstance(cell, str) else cell


def _chain(first: list, rest: Iterator[list]) -> Iterator[list]:
    yield first
    yield from rest


def _text(cell) -> str:
    """A header cell as text: a whole number without its ".0"."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell)
