"""Benchmark: load a 10,000,000-row list file through the real service, beside a bare COPY + index.

Targets: the whole load (validated, digested, indexed, swapped in) under 60 s, and at least a
quarter of the throughput of the reference, measured in the same run: a raw COPY of the same NIKs into
a bare table (`nik bigint`, the cheapest column for 16 digits) followed by CREATE INDEX.

Dirty files must stay on the fast path: the same NIKs with one bad line in 10,000,
with 1% duplicate NIKs, and with both, each within 1.3x of the clean file's time in the same run. Every
case is timed --runs times, round robin with the reference (so a burst of load on this shared machine
hits every case alike); medians are printed with their spread.

Then the same service on an .xlsx file of the first 1,048,576 of those NIKs (one sheet, a spreadsheet's
limit; text cells), whose rows per second are reported beside the CSV figure: the spreadsheet is read
into CSV (eligibility.lists.spreadsheets), then loaded like one.
"""
from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from benchmarks import headline
from eligibility.lists.services import confirm_exclusion_list, load_exclusion_list, release_unused_list_tables
from eligibility.models.lists import ListCategory
from prakerja.lib import cli
from prakerja.lib.identity import PROVINCE_CODES

XLSX_MAX_ROWS = 1_048_576  # a spreadsheet's rows per sheet, its header row included
TARGET_SECONDS = 60.0
TARGET_RATIO = 0.25
TARGET_DIRTY_RATIO = 1.3  # a dirty file's time over the clean file's, same run
REFERENCE_TABLE = "bench_list_reference"
BAD_EVERY = 10_000  # one bad line in BAD_EVERY (line i with i % BAD_EVERY == BAD_AT)
BAD_AT = 5_001
DUPLICATE_EVERY = 100  # line i with i % DUPLICATE_EVERY == 0 repeats the NIK of line i / DUPLICATE_EVERY: 1%

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


# {source}: the row whose NIK line i carries (i itself, or an earlier row for a duplicate); {bad}: whether
# line i is made bad (province code 00, refused by the NIK rule, not spreadsheet damage).
_GENERATE_SQL = f"""
COPY (
  SELECT CASE WHEN {{bad}} THEN '00' || substr(nik, 3) ELSE nik END FROM (
    SELECT i, (ARRAY[{", ".join(f"'{code}'" for code in sorted(PROVINCE_CODES))}])[1 + {_digit(0)}]
        || lpad((1 + {_digit(1)})::text, 2, '0')
        || lpad((1 + {_digit(2)})::text, 2, '0')
        || lpad((CASE WHEN {_digit(3)} < 28 THEN 1 + {_digit(3)} ELSE 13 + {_digit(3)} END)::text, 2, '0')
        || lpad((1 + {_digit(4)})::text, 2, '0')
        || lpad({_digit(5)}::text, 2, '0')
        || lpad((1 + {_digit(6)})::text, 4, '0') AS nik
    FROM (SELECT i, ({{source}} * 1000000007 + 424242) % {_MODULUS} AS y
          FROM generate_series(1::bigint, {{rows}}) AS i) AS s
  ) AS numbered
) TO STDOUT
"""


@dataclass(frozen=True)
class Case:
    """A benchmark file: the clean NIKs, or the same with bad lines and/or duplicates."""

    name: str
    label: str
    bad: bool = False
    duplicates: bool = False

    def expected(self, rows: int) -> tuple[int, int | None]:
        """(bad lines, duplicate rows) the load must report; None for the duplicates of the file with both
        (a duplicate of a line made bad is a good row of its own)."""
        # Line i * DUPLICATE_EVERY repeats line i, unless line i itself repeats an earlier one (its own NIK
        # then appears once): rows / 100 - rows / 10,000 duplicates.
        duplicates = rows // DUPLICATE_EVERY - rows // DUPLICATE_EVERY ** 2 if self.duplicates else 0
        return rows // BAD_EVERY if self.bad else 0, None if self.bad and self.duplicates else duplicates


CASES = [
    Case("clean", "clean file"),
    Case("bad", f"1 bad line in {BAD_EVERY:,}", bad=True),
    Case("duplicates", f"1 line in {DUPLICATE_EVERY} a duplicate NIK", duplicates=True),
    Case("dirty", "both (the item-6 file)", bad=True, duplicates=True),
]


def _median(times: list[float]) -> float:
    return statistics.median(times)


def _spread(times: list[float]) -> str:
    return f"{min(times):.2f}-{max(times):.2f}"


class Command(cli.Command):
    help = ("Benchmark loading an exclusion list (PostgreSQL): the service on a clean file and on dirty ones (bad "
            "lines, duplicate NIKs), beside a bare COPY + CREATE INDEX.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rows", type=cli.positive_count, default=10_000_000,
                            help="rows in the generated file (10,000,000)")
        parser.add_argument("--runs", type=cli.positive_count, default=3,
                            help="timed runs of each case and of the reference (the median is reported; 3)")
        parser.add_argument("--cases", nargs="+", choices=[case.name for case in CASES],
                            default=[case.name for case in CASES],
                            help="the files to load (all; the clean one is always loaded: the others' reference)")
        parser.add_argument("--category", default=ListCategory.BSU, choices=ListCategory.values,
                            help="the category the benchmark files are loaded as, in the benchmark database")
        parser.add_argument("--xlsx-rows", type=int, default=XLSX_MAX_ROWS,
                            help=f"rows of the .xlsx file loaded after the CSV one (0: none; at most one "
                                 f"sheet's {XLSX_MAX_ROWS - 1:,}, the default)")

    def handle(self, *args, rows: int, category: str, runs: int = 3, cases: list[str] | None = None,
               xlsx_rows: int = XLSX_MAX_ROWS, **options) -> None:
        cli.require_postgresql("bench_list_load")
        call_command("migrate", interactive=False, verbosity=0)
        chosen = [case for case in CASES if case.name == "clean" or case.name in (cases or [c.name for c in CASES])]
        paths = {case.name: self._file(rows, case) for case in chosen}
        clean_path = paths["clean"]
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        self.stdout.write(f"machine: {os.cpu_count()} CPUs, PostgreSQL {server}, load average "
                          f"{' '.join(f'{load:.1f}' for load in os.getloadavg())}")
        self.stdout.write(f"file: {clean_path} ({clean_path.stat().st_size / 1e6:,.0f} MB, {rows:,} rows)")

        # Round robin: each run times the reference, then every case once, starting one case later each run: a
        # load pays for the checkpoint and autovacuum of the one before it (the table it replaced is dropped),
        # so no case should always follow the same one.
        references: list[float] = []
        times: dict[str, list[float]] = {case.name: [] for case in chosen}
        for run in range(runs):
            references.append(self._reference(clean_path))
            for case in chosen[run % len(chosen):] + chosen[:run % len(chosen)]:
                started = time.perf_counter()
                version = load_exclusion_list(category=category, path_or_file=paths[case.name],
                                              file_name=paths[case.name].name, by=None)
                elapsed = time.perf_counter() - started
                times[case.name].append(elapsed)
                phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in version.timings.items())
                self.stdout.write(
                    f"  run {run + 1} {case.name:<10} {elapsed:7.2f} s  ({phases}); loaded {version.row_count:,}"
                    f" rows, {version.duplicate_count:,} duplicates, {version.bad_row_count:,} bad rows"
                    f" ({version.status})")
                if version.status == version.Status.NEEDS_CONFIRMATION and version.previous_row_count:
                    # Held because the bench database's list in force is larger (an earlier run with more
                    # --rows): confirmed, untimed, so that the next load compares with this size.
                    version = confirm_exclusion_list(version_id=version.pk, by=None)
                bad, duplicates = case.expected(rows)
                if version.status != version.Status.ACTIVE or version.bad_row_count != bad or (
                        duplicates is not None and version.duplicate_count != duplicates):
                    self.stderr.write(f"unexpected load of the {case.name} file: expected {bad:,} bad rows and "
                                      f"{duplicates if duplicates is not None else 'about ' + str(rows // 100)}"
                                      f" duplicates, swapped in")
                release_unused_list_tables()

        reference = _median(references)
        clean = _median(times["clean"])
        self.stdout.write(f"median of {runs} runs (spread), {rows:,} rows:")
        self.stdout.write(f"reference (COPY into a bare `nik bigint` table + CREATE INDEX): {reference:7.2f} s"
                          f" ({_spread(references)})  {rows / reference:12,.0f} rows/s")
        self.stdout.write(f"service (validate, digest, index, swap in), clean file:      {clean:7.2f} s"
                          f" ({_spread(times['clean'])})  {rows / clean:12,.0f} rows/s")
        ratio = reference / clean
        self.stdout.write(f"throughput ratio (service / reference): {ratio:.2f}")
        met_time, met_ratio = clean < TARGET_SECONDS, ratio >= TARGET_RATIO
        self._verdict(met_time, f"target under {TARGET_SECONDS:.0f} s: {'met' if met_time else 'NOT met'}"
                      + ("" if rows == 10_000_000 else f" (for {rows:,} rows; the target is for 10,000,000)"))
        self._verdict(met_ratio, f"target ratio >= {TARGET_RATIO}: {'met' if met_ratio else 'NOT met'}")
        headline.record(f"list load, {rows:,} NIKs, clean file", headline.spread(times["clean"], unit="s"),
                        f"raw `COPY` + index {headline.spread(references, unit='s')}",
                        headline.verdict(ratio, at_least=TARGET_RATIO) + " (throughput)")
        for case in chosen:
            if case.name == "clean":
                continue
            median = _median(times[case.name])
            # Per run, against the clean load of the same run: the spread of the ratio itself.
            ratios = [dirty / plain for dirty, plain in zip(times[case.name], times["clean"])]
            met = median / clean <= TARGET_DIRTY_RATIO
            self._verdict(met, f"{case.label + ':':<36} {median:7.2f} s ({_spread(times[case.name])})"
                               f"  {median / clean:.2f}x the clean file (per run {_spread(ratios)}x;"
                               f" target <= {TARGET_DIRTY_RATIO}x: {'met' if met else 'NOT met'})")
            headline.record(f"list load, {case.label}", headline.spread(times[case.name], unit="s"),
                            f"the clean file {clean:.2f} s",
                            headline.verdict(median / clean, at_most=TARGET_DIRTY_RATIO)
                            + f"; per run {_spread(ratios)}x")
        if xlsx_rows > 0:
            # Another category: a 1 M-row list replacing the 10 M one would wait for confirmation (shrink).
            xlsx_category = ListCategory.BUMN_BUMD if category != ListCategory.BUMN_BUMD else ListCategory.BSU
            self._xlsx(clean_path, min(xlsx_rows, rows, XLSX_MAX_ROWS - 1), xlsx_category, csv_rate=rows / clean,
                       reference_rate=rows / reference)

    def _verdict(self, met: bool, line: str) -> None:
        self.stdout.write((self.style.SUCCESS if met else self.style.ERROR)(line))

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

    def _file(self, rows: int, case: Case) -> Path:
        """A benchmark file, generated once and cached under var/bench/."""
        folder = Path(settings.VAR_DIR) / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = "" if case.name == "clean" else f"_{case.name}"
        path = folder / f"exclusion_list_{rows}{suffix}.csv"
        if path.exists():
            return path
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        source = f"CASE WHEN i % {DUPLICATE_EVERY} = 0 THEN i / {DUPLICATE_EVERY} ELSE i END" if case.duplicates else "i"
        bad = f"i % {BAD_EVERY} = {BAD_AT}" if case.bad else "false"
        with open(partial, "wb") as out, connection.cursor() as cursor:
            out.write(b"nik\n")
            cursor.copy_expert(_GENERATE_SQL.format(rows=int(rows), source=source, bad=bad), out)
        partial.rename(path)
        self.stdout.write(f"generated {path.name} ({case.label}) in {time.perf_counter() - started:.1f} s")
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
