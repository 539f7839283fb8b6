"""Benchmark: load a 10,000,000-row list file through the real service, beside a bare COPY + index.

Targets: the whole load (validated, digested, indexed, swapped in) under 60 s, and at least a
quarter of the throughput of the reference, measured in the same run: a raw COPY of the same NIKs into
a bare table (`nik bigint`, the cheapest column for 16 digits) followed by CREATE INDEX.

Then the same service on an .xlsx file of the first 1,048,576 of those NIKs (one sheet, a spreadsheet's
limit; text cells), whose rows per second are reported beside the CSV figure: the spreadsheet is read
into CSV (eligibility.lists.spreadsheets), then loaded like one.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from eligibility.lists.services import load_exclusion_list, release_unused_list_tables
from eligibility.models.lists import ListCategory
from prakerja.lib import cli
from prakerja.lib.identity import PROVINCE_CODES

XLSX_MAX_ROWS = 1_048_576  # a spreadsheet's rows per sheet, its header row included
TARGET_SECONDS = 60.0
TARGET_RATIO = 0.25
REFERENCE_TABLE = "bench_list_reference"

# Distinct, valid, random-looking NIKs without a Python loop: row i maps to y = (i * P + Q) mod M, a
# bijection on [0, M) since P is prime to M, and y's mixed-radix digits are the NIK's fields
# (province, regency, district, day with women's +40, month, year, serial).
_RADICES = [len(PROVINCE_CODES), 99, 99, 56, 12, 100, 9999]
_DIVISORS = [1]
for _radix in _RADICES:
    _DIVISORS.append(_DIVISORS[-1] * _radix)
_MODULUS = _DIVISORS.pop()


def _digit(n: int) -> str:
    """The n-th mixed-radix digit of y, in SQL."""
    return f"(y / {_DIVISORS[n]} % {_RADICES[n]})"


_GENERATE_SQL = f"""
COPY (
  SELECT (ARRAY[{", ".join(f"'{code}'" for code in sorted(PROVINCE_CODES))}])[1 + {_digit(0)}]
      || lpad((1 + {_digit(1)})::text, 2, '0')
      || lpad((1 + {_digit(2)})::text, 2, '0')
      || lpad((CASE WHEN {_digit(3)} < 28 THEN 1 + {_digit(3)} ELSE 13 + {_digit(3)} END)::text, 2, '0')
      || lpad((1 + {_digit(4)})::text, 2, '0')
      || lpad({_digit(5)}::text, 2, '0')
      || lpad((1 + {_digit(6)})::text, 4, '0')
  FROM (SELECT (i * 1000000007 + 424242) % {_MODULUS} AS y FROM generate_series(1::bigint, {{rows}}) AS i) AS s
) TO STDOUT
"""


class Command(cli.Command):
    help = "Benchmark loading an exclusion list (PostgreSQL): the service beside a bare COPY + CREATE INDEX."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rows", type=cli.positive_count, default=10_000_000,
                            help="rows in the generated file (10,000,000)")
        parser.add_argument("--category", default=ListCategory.BSU, choices=ListCategory.values,
                            help="the category the benchmark file is loaded as, in the benchmark database")
        parser.add_argument("--xlsx-rows", type=int, default=XLSX_MAX_ROWS,
                            help=f"rows of the .xlsx file loaded after the CSV one (0: none; at most one "
                                 f"sheet's {XLSX_MAX_ROWS - 1:,}, the default)")

    def handle(self, *args, rows: int, category: str, xlsx_rows: int = XLSX_MAX_ROWS, **options) -> None:
        cli.require_postgresql("bench_list_load")
        call_command("migrate", interactive=False, verbosity=0)
        path = self._file(rows)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        self.stdout.write(f"machine: {os.cpu_count()} CPUs, PostgreSQL {server}")
        self.stdout.write(f"file: {path} ({path.stat().st_size / 1e6:,.0f} MB, {rows:,} rows)")

        reference = self._reference(path)
        self.stdout.write(f"reference (COPY into a bare `nik bigint` table + CREATE INDEX): {reference:7.2f} s"
                          f"  {rows / reference:12,.0f} rows/s")

        started = time.perf_counter()
        version = load_exclusion_list(category=category, path_or_file=path, file_name=path.name, by=None)
        elapsed = time.perf_counter() - started
        phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in version.timings.items())
        self.stdout.write(f"service (validate, digest, index, swap in):                  {elapsed:7.2f} s"
                          f"  {rows / elapsed:12,.0f} rows/s")
        self.stdout.write(f"  phases: {phases}")
        self.stdout.write(f"  loaded {version.row_count:,} rows, {version.duplicate_count:,} duplicates, "
                          f"{version.bad_row_count:,} bad rows as {version} ({version.status})")
        ratio = reference / elapsed
        self.stdout.write(f"throughput ratio (service / reference): {ratio:.2f}")
        met_time, met_ratio = elapsed < TARGET_SECONDS, ratio >= TARGET_RATIO
        self.stdout.write(
            (self.style.SUCCESS if met_time else self.style.ERROR)(
                f"target under {TARGET_SECONDS:.0f} s: {'met' if met_time else 'NOT met'}"
                + ("" if rows == 10_000_000 else f" (for {rows:,} rows; the target is for 10,000,000)")
            )
        )
        self.stdout.write(
            (self.style.SUCCESS if met_ratio else self.style.ERROR)(
                f"target ratio >= {TARGET_RATIO}: {'met' if met_ratio else 'NOT met'}"
            )
        )
        release_unused_list_tables()
        if xlsx_rows > 0:
            # Another category: a 1 M-row list replacing the 10 M one would wait for confirmation (shrink).
            xlsx_category = ListCategory.BUMN_BUMD if category != ListCategory.BUMN_BUMD else ListCategory.BSU
            self._xlsx(path, min(xlsx_rows, rows, XLSX_MAX_ROWS - 1), xlsx_category, csv_rate=rows / elapsed,
                       reference_rate=rows / reference)

    def _xlsx(self, csv_path: Path, rows: int, category: str, *, csv_rate: float, reference_rate: float) -> None:
        """Load the first `rows` NIKs of the CSV file as an .xlsx file (a header row and `rows` rows: one full
        sheet); report its rows/s beside the CSV's and against the reference's."""
        path = csv_path.with_name(f"exclusion_list_{rows}.xlsx")
        if not path.exists():
            started = time.perf_counter()
            partial = path.with_suffix(".partial")
            # constant_memory: rows are written to disk as they come, whatever their number.
            workbook = xlsxwriter.Workbook(str(partial), {"constant_memory": True})
            sheet = workbook.add_worksheet()
            with open(csv_path, "rb") as file:
                for index, line in zip(range(rows + 1), file):
                    sheet.write_string(index, 0, line.rstrip(b"\n").decode())
            workbook.close()
            partial.rename(path)
            self.stdout.write(f"generated {path.name} in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        version = load_exclusion_list(category=category, path_or_file=path, file_name=path.name, by=None)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"service on .xlsx ({rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB):"
                          f"{elapsed:>22.2f} s  {rows / elapsed:12,.0f} rows/s"
                          f"  ({rows / elapsed / csv_rate:.2f}x the CSV path's rows/s,"
                          f" {rows / elapsed / reference_rate:.2f}x the reference's)")
        self.stdout.write(f"  loaded {version.row_count:,} rows, {version.bad_row_count:,} bad rows as {version} "
                          f"({version.status})")
        release_unused_list_tables()

    def _file(self, rows: int) -> Path:
        """The benchmark file, generated once and cached under var/bench/."""
        folder = Path(settings.VAR_DIR) / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"exclusion_list_{rows}.csv"
        if path.exists():
            return path
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        with open(partial, "wb") as out, connection.cursor() as cursor:
            out.write(b"nik\n")
            cursor.copy_expert(_GENERATE_SQL.format(rows=int(rows)), out)
        partial.rename(path)
        self.stdout.write(f"generated {rows:,} distinct valid NIKs in {time.perf_counter() - started:.1f} s")
        return path

    def _reference(self, path: Path) -> float:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {REFERENCE_TABLE}")
            cursor.execute(f"CREATE TABLE {REFERENCE_TABLE} (nik bigint)")
            started = time.perf_counter()
            with open(path, "rb") as file:
                cursor.copy_expert(f"COPY {REFERENCE_TABLE} (nik) FROM STDIN WITH (FORMAT csv, HEADER true)", file, 1 << 20)
            cursor.execute(f"CREATE INDEX {REFERENCE_TABLE}_nik ON {REFERENCE_TABLE} (nik)")
            elapsed = time.perf_counter() - started
            cursor.execute(f"DROP TABLE {REFERENCE_TABLE}")
        return elapsed
