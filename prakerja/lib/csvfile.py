"""The one writer of every file the product hands out: CSV (and .xlsx for big result exports).

What every file gets, whatever the source of its cells (names, file names, addresses, notes):

- **Formulas neutralised.** In a CSV, a text cell a spreadsheet would run as a formula (its first character,
  after any leading spaces or line feeds, is `=`, `+`, `-`, `@`, a tab or a carriage return; see the OWASP
  note on CSV injection) is written with a `'` in front: `=HYPERLINK(...)` -> `'=HYPERLINK(...)`, and it
  opens as text. neutralise() is the rule; NeutralisedText is its SQL twin, used when the rows come from a
  query. An .xlsx needs no mark: every string is stored as a text cell, which no spreadsheet evaluates, so
  the value is written verbatim (a mark there would show as a visible `'` in the name).
- **Numbers that are identifiers kept as text.** NIK, KK and phone columns (`Column(as_text=True)`):
  a spreadsheet reads `3201014701860008` as a number and keeps 15 significant digits
  (`3201014701860010` after a save), and `+6281234567890` as the number 6281234567890. In a CSV such a
  cell is written with a leading `'` (`'3201014701860008`): LibreOffice and Excel then keep it as text,
  showing the apostrophe, which is removed in one step (find `'`, replace with nothing, column typed as
  text). `="..."` is not used: it is a formula. The .xlsx files store these cells as text cells, with no
  apostrophe.
- **UTF-8 with a byte-order mark**, so that Excel reads the encoding (Indonesian names with accents),
  and a choice of delimiter: `,` or `;` (Excel with Indonesian regional settings expects `;`).

Rows come either as a QuerySet (its columns are formatted by the database, neutralised by the SQL twin,
and read through a server-side cursor in chunks: memory stays flat for millions of rows), or as an
iterable of chunks (lists of tuples) for small files built in Python.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, QuerySet

from prakerja.lib.privacy import OneArgFunc

BOM = "\ufeff"
DELIMITERS = (",", ";")
# First characters that make a spreadsheet run a cell (after LEADING_BLANKS are skipped).
FORMULA_STARTS = frozenset("=+-@\t\r")
LEADING_BLANKS = " \n"
TEXT_MARK = "'"
# Rows fetched from the server-side cursor per round trip, and written per block.
CHUNK_ROWS = 5000
# A sheet holds 1,048,576 rows; the header takes one.
XLSX_MAX_ROWS = 1_048_575
_TEXT_TYPES = ("CharField", "TextField", "EmailField", "SlugField", "URLField")


@dataclass(frozen=True)
class Column:
    """One column of a file: `key` is the row field (a QuerySet annotation or field name), `label` the
    header shown (in the reader's language), `as_text` marks digits that must stay text (NIK, KK, phone)."""

    key: str
    label: str
    as_text: bool = False


def neutralise(value: str) -> str:
    """`value` with a `'` in front when a spreadsheet would run it as a formula, else unchanged."""
    head = value.lstrip(LEADING_BLANKS)[:1]
    return TEXT_MARK + value if head and head in FORMULA_STARTS else value


def keep_as_text(value: str) -> str:
    """A NIK/KK/phone cell of a CSV: `'` in front of any non-empty value (see the module docstring)."""
    return TEXT_MARK + value if value else value


class NeutralisedText(OneArgFunc):
    """neutralise() in SQL (LTRIM with a set of characters exists in PostgreSQL and SQLite)."""

    template = (
        "(CASE WHEN SUBSTR(LTRIM(%(expressions)s, '" + LEADING_BLANKS + "'), 1, 1) IN ("
        + ", ".join(f"'{c}'" for c in sorted(FORMULA_STARTS)) + ")"
        " THEN '" + TEXT_MARK * 2 + "' || %(expressions)s ELSE %(expressions)s END)"
    )


class KeptAsText(OneArgFunc):
    """keep_as_text() in SQL."""

    template = "(CASE WHEN %(expressions)s = '' THEN '' ELSE '" + TEXT_MARK * 2 + "' || %(expressions)s END)"


def check_delimiter(delimiter: str) -> str:
    if delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {DELIMITERS!r}, not {delimiter!r}")
    return delimiter


# --- Reading rows ------------------------------------------------------------------------------------------

def iter_chunks(query: QuerySet | tuple[str, Sequence], *, chunk_rows: int | None = None) -> Iterator[list[tuple]]:
    """Lists of rows of a query whose columns are final (formatted by the database): a values_list
    QuerySet, or (sql, params) as file_sql() gives. Read through a server-side cursor: memory holds one
    chunk, whatever the query's size.

    On PostgreSQL the named cursor is declared inside a transaction: outside one Django declares it
    WITH HOLD, which makes the server materialise the whole result before the first row, and the file
    then also comes from one snapshot. cursor_tuple_fraction = 1 tells the planner every row will be
    read (as for COPY): hash joins and one sort instead of a fast-start nested loop, 20-30 % faster
    on a million rows. The rows skip the ORM's per-row machinery (it costs as much again as the
    query): nothing in them needs converting. On SQLite an atomic block would take the write lock.
    """
    chunk_rows = chunk_rows or CHUNK_ROWS
    sql, params = query.query.sql_with_params() if isinstance(query, QuerySet) else query
    postgres = connection.vendor == "postgresql"
    with transaction.atomic() if postgres else nullcontext():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(chunk_rows):
                yield chunk


def _is_text(rows: QuerySet, key: str) -> bool:
    expression = rows.query.annotations.get(key)
    field = expression.output_field if expression is not None else rows.model._meta.get_field(key)
    return field.get_internal_type() in _TEXT_TYPES


def file_sql(rows: QuerySet, columns: Sequence[Column], *, text_mark: bool = True) -> tuple[str, tuple]:
    """The SQL (and its parameters) a file of `rows` reads: each column's value, text ones passed through
    the SQL twins when `text_mark` (as in a CSV: KeptAsText for identifiers, NeutralisedText for any other
    text); without it (an .xlsx, whose text cells are never evaluated) every value as it is.

    The twins name their argument up to three times, and the database would compute a formatted column
    (a mask, a CASE over province codes) once per mention. So the columns are computed once in a
    subquery and the twins read its output: `SELECT twin("c0"), ... FROM (<rows> OFFSET 0) AS file_rows`.
    OFFSET 0 keeps PostgreSQL and SQLite from merging the subquery into the outer query (which would
    bring the repetition back); the subquery's ORDER BY gives the rows' order, which a plain scan keeps.
    """
    if rows.query.is_sliced:
        raise ValueError("file_sql() takes an unsliced QuerySet")
    names = [f"file_c{i}" for i in range(len(columns))]
    inner = rows.annotate(**{name: F(column.key) for name, column in zip(names, columns)}).values_list(*names)
    sql, params = inner.query.sql_with_params()
    outer = []
    for name, column in zip(names, columns):
        reference = connection.ops.quote_name(name)
        if column.as_text and text_mark:
            outer.append(KeptAsText.template % {"expressions": reference})
        elif text_mark and _is_text(rows, column.key):
            outer.append(NeutralisedText.template % {"expressions": reference})
        else:
            outer.append(reference)
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    return f"SELECT {', '.join(outer)} FROM ({sql} {fence}) AS file_rows", tuple(params)


def _python_chunks(chunks: Iterable[Sequence[tuple]], columns: Sequence[Column], *,
                   text_mark: bool) -> Iterator[list[tuple]]:
    if not text_mark:  # an .xlsx: text cells, written verbatim
        yield from (list(chunk) for chunk in chunks)
        return
    rules = [keep_as_text if column.as_text else neutralise for column in columns]
    for chunk in chunks:
        yield [tuple(rule(cell) if isinstance(cell, str) else cell for rule, cell in zip(rules, row, strict=True))
               for row in chunk]


def _chunks(rows, columns, *, text_mark: bool, chunk_rows: int | None) -> Iterator[list[tuple]]:
    if isinstance(rows, QuerySet):
        return iter_chunks(file_sql(rows, columns, text_mark=text_mark), chunk_rows=chunk_rows)
    return _python_chunks(rows, columns, text_mark=text_mark)


# --- Writing ------------------------------------------------------------------------------------------------

def csv_blocks(columns: Sequence[Column], rows: QuerySet | Iterable[Sequence[tuple]], *, delimiter: str = ",",
               counter: list[int] | None = None, chunk_rows: int | None = None) -> Iterator[bytes]:
    """A CSV file (RFC 4180, UTF-8 with a BOM) of a header and `rows`, as one bytes block per chunk.

    `rows` is a QuerySet with a field or annotation per Column.key, or an iterable of chunks of tuples in
    the columns' order. `counter[0]` grows by each chunk's rows once the consumer asks for the next block:
    a client that disconnects (the response closes the generator at the yield) never had the chunk counted.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=check_delimiter(delimiter))
    writer.writerow([neutralise(column.label) for column in columns])
    yield (BOM + buffer.getvalue()).encode()
    for chunk in _chunks(rows, columns, text_mark=True, chunk_rows=chunk_rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(chunk)
        yield buffer.getvalue().encode()
        if counter is not None:
            counter[0] += len(chunk)


def csv_lines(columns: Sequence[Column], rows: Iterable[Sequence]) -> Iterator[str]:
    """The same CSV file, one str per line (BOM on the first), for a row-by-row stream (admin downloads)."""
    for block in csv_blocks(columns, ([row] for row in rows)):
        yield block.decode()


def xlsx_blocks(columns: Sequence[Column], rows: QuerySet | Iterable[Sequence[tuple]], *, sheet: str = "data",
                counter: list[int] | None = None, chunk_rows: int | None = None,
                block_bytes: int = 1 << 16) -> Iterator[bytes]:
    """An .xlsx workbook of one sheet (header, then `rows`), as bytes blocks.

    Written by XlsxWriter in constant_memory mode (each row goes to a temporary file as it is written;
    memory stays flat), then read back in blocks of `block_bytes`: a zip file's directory comes last, so
    the first byte leaves once the whole sheet is written. Every string is a text cell (never a formula,
    a number or a link) written verbatim: no apostrophe before NIK/KK/phone digits or before a value that
    starts like a formula (`=HYPERLINK(...)` stays that text; a text cell is not evaluated).
    `counter` counts the rows written. At most XLSX_MAX_ROWS rows (ValueError beyond: check first).
    """
    import xlsxwriter  # imported here: only the .xlsx exports need it

    with tempfile.TemporaryFile() as target:
        workbook = xlsxwriter.Workbook(target, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False, "tmpdir": tempfile.gettempdir(),
        })
        text = workbook.add_format({"num_format": "@"})
        worksheet = workbook.add_worksheet(sheet)
        for number, column in enumerate(columns):
            worksheet.set_column(number, number, 20, text if column.as_text else None)
        _write_row(worksheet, 0, [column.label for column in columns])
        row_number = 0
        for chunk in _chunks(rows, columns, text_mark=False, chunk_rows=chunk_rows):
            if row_number + len(chunk) > XLSX_MAX_ROWS:
                raise ValueError(f"an .xlsx sheet holds at most {XLSX_MAX_ROWS} rows")
            for row in chunk:
                row_number += 1
                _write_row(worksheet, row_number, row)
            if counter is not None:
                counter[0] += len(chunk)
        workbook.close()
        target.seek(0)
        while block := target.read(block_bytes):
            yield block


def _write_row(worksheet, row_number: int, row: Sequence) -> None:
    """One .xlsx row: every str as a text cell, by write_string, since XlsxWriter's write() turns "{=...}" into
    an array formula whatever its options say; None and "" as no cell; numbers and dates by write()."""
    for column_number, cell in enumerate(row):
        if isinstance(cell, str):
            if cell:
                worksheet.write_string(row_number, column_number, cell)
        elif cell is not None:
            worksheet.write(row_number, column_number, cell)
