"""Spreadsheet damage in a list file, found over the whole file and named, so that the file is refused.

A spreadsheet that treats the NIK column as numbers damages it in ways a row-by-row check cannot always
see. Excel keeps 15 significant digits: a typed or pasted `3273021201900007` becomes `3273021201900000`,
still 16 digits with a valid province, so every row "passes" and the real person is screened eligible.
Exported, such numbers show up as scientific notation (`3.20101E+15`, `3,37401E+15` with Indonesian
settings) or with thousands separators (`3.273.021.201.900.000`). A stray delimiter inside a name shifts
the columns of its line. Each of these is counted here, chunk by chunk, with C-speed byte counts and
regexes run only on chunks that hold a sign of them, so that the scan stays within the loader's cost
budget (docs/PERFORMANCE.md); `verdict()` names what was found, where, and how to export it properly.

When a file is refused (the thresholds, and why):
- NIKs ending in 0 (or 00): a real NIK's last digit is the last digit of a serial number, 0 about one
  time in ten at most (serials start at 0001 and are mostly small, so less often in practice); 00 about
  one time in a hundred. A file is refused when the count is improbable by chance: the Chernoff bound
  P(X >= k) <= exp(-n * KL(k/n || p)) for X ~ Binomial(n, p) is below one in a million, and the share
  is at least ZERO_MIN_SHARE (so that a huge list with a slight, real bias is not refused). Eight NIKs
  that all end in 0 are enough; twelve of twenty are; 11% of a million are not.
- Scientific notation, thousands separators, lines with more fields than the header: refused when
  at least SHARE_MIN (a fifth) of the data lines show it, which is what a column formatted as numbers
  or a systematic delimiter problem looks like. Fewer such lines are bad rows of their own (with the
  likely cause in their report), and the bad-row share sends the load to confirmation.
- A NIK cell of a spreadsheet (.xlsx, .ods) stored as a number: refused when there is any, since the
  number kept at most 15 digits (eligibility.lists.spreadsheets).
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

# A chance rate per kind of ending, and the least share refused (see the module docstring).
ZERO_CHANCE = {b"0": 0.1, b"00": 0.01}
ZERO_MIN_SHARE = {b"0": 0.25, b"00": 0.1}
# ln(1e6): the Chernoff bound on the chance of so many zero endings must be below one in a million.
IMPROBABLE = math.log(1e6)
SHARE_MIN = 0.2
EXAMPLE_LINES = 5

# A number as a spreadsheet writes it in scientific notation: 3.20101E+15, 3,37401E+15, 3E+15.
SCIENTIFIC = re.compile(rb"^[ \"']*[0-9]+(?:[.,][0-9]*)?[eE]\+?[0-9]+[ \"']*$", re.M)
# Sixteen digits grouped by thousands, as a number format shows them: 3.273.021.201.900.007, 3,273,...
THOUSANDS = re.compile(rb"^[ \"']*[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3}){3,4}[ \"']*$", re.M)
_THOUSANDS_TEXT = re.compile(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3}){3,4}")


def looks_like_spreadsheet_number(raw: str) -> bool:
    """True for a NIK cell that a spreadsheet wrote as a number with thousands separators.

    clean_number() strips dots, as people type `3201.0112.9000.0001`; grouped by thousands, the
    digits came from a number that kept 15 of them, so such a cell is a bad row, never a NIK."""
    return _THOUSANDS_TEXT.fullmatch(raw.strip(" \"'")) is not None


def _lazy_format(template, **params) -> str:
    """A lazily translated template, formatted when rendered (in the language active then)."""
    return lazy(lambda: str(template) % params, str)()


def _lines(lines: list[int]) -> str:
    return ", ".join(str(line) for line in lines[:EXAMPLE_LINES]) + (", ..." if len(lines) > EXAMPLE_LINES else "")


@dataclass
class _Count:
    count: int = 0
    lines: list[int] = field(default_factory=list)

    def add(self, count: int, lines: list[int]) -> None:
        self.count += count
        if len(self.lines) < EXAMPLE_LINES + 1:
            self.lines.extend(lines[: EXAMPLE_LINES + 1 - len(self.lines)])


class DamageScan:
    """Counts the signs of spreadsheet damage in the NIK column of a list file, a chunk at a time.

    feed() takes whole lines ending in "\\n" (CRLF already made LF) and the file line number of the
    first; verdict() returns the refusal (eligibility.lists.files.ListFileError) or None.
    """

    def __init__(self, *, nik_index: int, columns: int, delimiter: str):
        self.columns = columns
        self.nik_index = nik_index
        self.sep = delimiter.encode()
        self.lines = 0
        self.zeros = {ending: _Count() for ending in ZERO_CHANCE}
        self.scientific = _Count()
        self.thousands = _Count()
        self.shifted = _Count()
        self.number_cells = _Count()  # spreadsheet cells stored as numbers (spreadsheets.py)
        sep = re.escape(self.sep)
        not_sep = b"[^" + sep + b"\n]*"
        # The NIK field of every line (empty where a line has too few fields), one per line.
        self._nik_field = re.compile(b"^(?:(?:" + not_sep + sep + b"){%d}(" % nik_index + not_sep + b"))?.*$", re.M)
        self._simple = nik_index == 0 and columns == 1

    def feed(self, chunk: bytes, first_line: int) -> None:
        count = chunk.count(b"\n")
        self.lines += count  # blank lines too (rare): the shares are a little smaller, never larger
        if self._simple and self.sep not in chunk:
            niks = chunk  # one NIK per line: the chunk is the column
        elif b'"' in chunk:  # quoted fields may hold the delimiter: the csv module splits them
            texts = chunk.decode("utf-8", "replace").split("\n")[:-1]
            niks = "".join(
                (fields[self.nik_index] if len(fields) > self.nik_index else "") + "\n"
                for fields in csv.reader(texts, delimiter=self.sep.decode())
            ).encode()
        else:
            niks = b"\n".join(self._nik_field.findall(chunk)[:count]) + b"\n"
        if b'"' in niks or b" " in niks or b"'" in niks:
            niks = niks.replace(b'"', b"").replace(b" ", b"").replace(b"'", b"")
        for ending, tally in self.zeros.items():
            tally.add(niks.count(ending + b"\n"), self._find_lines(niks, ending + b"\n", first_line, tally))
        if b"E" in niks or b"e" in niks:
            self._add_matches(self.scientific, SCIENTIFIC, niks, first_line)
        if b"." in niks or b"," in niks:
            self._add_matches(self.thousands, THOUSANDS, niks, first_line)
        if (self.columns > 1 or self.sep in chunk) and chunk.count(self.sep) != count * (self.columns - 1):
            self._add_shifted(chunk, first_line)

    def add_number_cell(self, line: int) -> None:
        self.number_cells.add(1, [line])

    @staticmethod
    def _find_lines(text: bytes, needle: bytes, first_line: int, tally: _Count) -> list[int]:
        """The first example lines holding `needle` (only while the tally needs examples)."""
        found, position = [], 0
        while len(tally.lines) + len(found) <= EXAMPLE_LINES:
            position = text.find(needle, position)
            if position < 0:
                break
            found.append(first_line + text.count(b"\n", 0, position))
            position += len(needle)
        return found

    @staticmethod
    def _add_matches(tally: _Count, pattern: re.Pattern, text: bytes, first_line: int) -> None:
        positions = [match.start() for match in pattern.finditer(text)]
        tally.add(len(positions), [first_line + text.count(b"\n", 0, p) for p in positions[: EXAMPLE_LINES + 1]])

    def _add_shifted(self, chunk: bytes, first_line: int) -> None:
        """Lines with more fields than the header (parsed only in a chunk whose delimiter count is off)."""
        lines = []
        texts = chunk.decode("utf-8", "replace").split("\n")[:-1]
        for offset, fields in enumerate(csv.reader(texts, delimiter=self.sep.decode())):
            if len(fields) > self.columns and any(fields[self.columns:]):
                lines.append(first_line + offset)
        self.shifted.add(len(lines), lines)

    def verdict(self):
        """The file's refusal naming every kind of damage found, or None."""
        from eligibility.lists.files import ListFileError

        findings = []
        total = max(self.lines, 1)
        for ending, tally in self.zeros.items():
            if _improbable(tally.count, self.lines, ZERO_CHANCE[ending], ZERO_MIN_SHARE[ending]):
                findings.append(_lazy_format(
                    gettext_lazy("%(count)s of %(total)s NIKs end in %(ending)s (by chance about 1 in %(chance)s), "
                                 "e.g. on lines %(lines)s: a spreadsheet stored them as numbers, which keep only 15 "
                                 "digits, and the last digits were replaced by 0"),
                    count=tally.count, total=self.lines, ending=ending.decode(),
                    chance=round(1 / ZERO_CHANCE[ending]), lines=_lines(tally.lines)))
                break  # 00 endings are 0 endings too: one finding says it
        if self.number_cells.count:
            findings.append(_lazy_format(
                gettext_lazy("%(count)s NIK cells are stored as numbers, not text (rows %(lines)s): a spreadsheet "
                             "keeps only 15 digits of a number"),
                count=self.number_cells.count, lines=_lines(self.number_cells.lines)))
        if self.scientific.count and self.scientific.count >= SHARE_MIN * total:
            findings.append(_lazy_format(
                gettext_lazy("%(count)s NIKs are in scientific notation such as 3.20101E+15 (lines %(lines)s): "
                             "a spreadsheet stored them as numbers and their digits are lost"),
                count=self.scientific.count, lines=_lines(self.scientific.lines)))
        if self.thousands.count and self.thousands.count >= SHARE_MIN * total:
            findings.append(_lazy_format(
                gettext_lazy("%(count)s NIKs have thousands separators such as 3.273.021.201.900.007 (lines "
                             "%(lines)s): a spreadsheet formatted them as numbers, which keep only 15 digits"),
                count=self.thousands.count, lines=_lines(self.thousands.lines)))
        if self.shifted.count and self.shifted.count >= SHARE_MIN * total:
            findings.append(_lazy_format(
                gettext_lazy("%(count)s lines have more fields than the header (lines %(lines)s): a “%(delimiter)s” "
                             "inside a value (a name, an address) shifts the columns; put such values in quotes "
                             "or remove the character"),
                count=self.shifted.count, lines=_lines(self.shifted.lines), delimiter=self.sep.decode()))
        if not findings:
            return None
        return ListFileError(
            gettext_lazy(
                "The file was refused because a spreadsheet damaged it, and nothing was loaded: %(findings)s. "
                "Format the “nik” column as Text before the NIKs are typed or pasted (or import the agency’s file "
                "with that column as Text), save it as “CSV UTF-8” and load it again; where digits are already "
                "lost, ask the agency for a new export."),
            findings=lazy(lambda: "; ".join(str(finding) for finding in findings), str)(),
        )


def _improbable(count: int, total: int, chance: float, min_share: float) -> bool:
    """True when `count` of `total` is at least `min_share` and improbable for Binomial(total, chance)."""
    if not total or count < min_share * total:
        return False
    share = count / total
    if share <= chance:
        return False
    divergence = share * math.log(share / chance) + (
        (1 - share) * math.log((1 - share) / (1 - chance)) if share < 1 else 0.0)
    return total * divergence > IMPROBABLE
