"""Bad rows a person can act on: the offending value masked, the reason in words, its likely cause.

A bad row's report keeps the cell it was refused for masked by mask_value(): at most a quarter of it at
each end (four characters at most), never a whole NIK (a 16-character value shows as 3273********0000,
as prakerja.lib.identity masks a NIK), and the rest as stars, so its length and its shape
(3.20***E+15, 3.20*************.000) still tell the cause. likely_cause() reads that shape.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from eligibility.models.lists import BadRowReason, ExclusionList
from prakerja.lib import csvfile

MAX_VALUE = 40  # ExclusionListBadRow.value's max_length
SAMPLE_PER_REASON = 5
_KEEP = 4  # characters kept at each end


def mask_value(raw: str) -> str:
    """The cell as a bad-row report may keep it: `3273********0000`, `3.20***E+15`; short values all stars.

    At most MAX_VALUE characters, of which at most a quarter at each end (four at most) are shown. A
    value of 2 * 4 characters or fewer (a name, a stray word) is masked whole, since it could be personal
    and says nothing about a NIK. A number in scientific notation keeps its exponent (3.20***E+15): its
    digits beyond the first six are gone anyway, and the exponent is what tells the cause."""
    value = (raw or "").strip()
    if len(value) <= 2 * _KEEP:
        return "*" * len(value)
    keep = _KEEP if _SCIENTIFIC_CELL.fullmatch(value) else min(_KEEP, len(value) // 4)
    return value[:keep] + "*" * min(len(value) - 2 * keep, MAX_VALUE - 2 * keep) + value[-keep:]


_SCIENTIFIC = re.compile(r"[eE]\+?[0-9]+[\"']?$")
_SCIENTIFIC_CELL = re.compile(r"[0-9]+(?:[.,][0-9]*)?[eE]\+?[0-9]{1,2}")
_SEPARATED = re.compile(r"[0-9*]+(?:[.,][0-9*]+){2,}")


def likely_cause(reason: str, value: str) -> str:
    """What probably made this row bad, and what to do, from its reason and its masked value ("" if unsure)."""
    if reason == BadRowReason.EMPTY:
        return _("The NIK cell is empty: fill it in from the source, or delete the line.")
    if not value:
        return ""
    digits_and_stars = value.replace("*", "0")
    if _SCIENTIFIC.search(value):
        return _("A spreadsheet stored the number as a number and wrote it in scientific notation: its digits are "
                 "lost. Format the column as Text and export the file again.")
    if _SEPARATED.fullmatch(value) and reason in (BadRowReason.FORMAT, BadRowReason.KK_FORMAT,
                                                  BadRowReason.KK_FORMAT_NIK_LOADED):
        return _("Thousands separators: a spreadsheet formatted the column as numbers, which keep only 15 digits. "
                 "Format the column as Text and export the file again.")
    if reason in (BadRowReason.FORMAT, BadRowReason.KK_FORMAT, BadRowReason.KK_FORMAT_NIK_LOADED):
        if digits_and_stars.isdigit() and len(value) == 15:
            return _("15 digits: one digit is missing, as when a spreadsheet keeps a number's first 15 digits. "
                     "Check the cell against the source.")
        if digits_and_stars.isdigit():
            return _("%(count)s digits instead of 16: a digit was mistyped, or two numbers are in one cell.") % {
                "count": len(value)}
        return _("Not a number: this column may hold something else on this line (a name, an address), for "
                 "example because a delimiter inside a value shifted the columns.")
    if reason in (BadRowReason.PROVINCE, BadRowReason.KK_PROVINCE, BadRowReason.KK_PROVINCE_NIK_LOADED):
        return _("The first two digits are not a province code: a typo, or another number (a phone number, an "
                 "account) in this column.")
    return ""


def bad_rows_by_reason(version: ExclusionList) -> list[dict]:
    """The version's bad rows grouped by reason, most frequent first: [{"reason", "label", "count",
    "samples": [{"line", "value", "cause"}, ...]}]. Two queries, whatever the number of rows or reasons."""
    counts = list(version.bad_rows.values("reason").annotate(count=Count("id")).order_by("-count", "reason"))
    samples: dict[str, list[dict]] = {}
    ranked = version.bad_rows.annotate(
        rank=Window(RowNumber(), partition_by=[F("reason")], order_by=F("line").asc())
    ).filter(rank__lte=SAMPLE_PER_REASON).order_by("reason", "line").values("reason", "line", "value")
    for row in ranked:
        samples.setdefault(row["reason"], []).append(
            {"line": row["line"], "value": row["value"], "cause": likely_cause(row["reason"], row["value"])})
    labels = dict(BadRowReason.choices)
    return [
        {"reason": group["reason"], "label": labels.get(group["reason"], group["reason"]), "count": group["count"],
         "samples": samples.get(group["reason"], [])}
        for group in counts
    ]


def bad_rows_file(version: ExclusionList) -> Iterator[str]:
    """The version's bad rows as a CSV file, one str per line (the one CSV writer: BOM, formulas neutralised):
    line, reason code, reason in the reader's language, the value masked, and its likely cause. Used by the
    admin's download and `import_exclusions --bad-rows`; never holds a whole NIK."""
    labels = dict(BadRowReason.choices)
    columns = [csvfile.Column("line", "line"), csvfile.Column("reason", "reason"),
               csvfile.Column("reason_text", str(_("reason"))), csvfile.Column("value", str(_("value (masked)"))),
               csvfile.Column("cause", str(_("likely cause")))]
    rows = (
        (line, reason, labels.get(reason, reason), value, likely_cause(reason, value))
        for line, reason, value in version.bad_rows.order_by("line").values_list("line", "reason", "value")
        .iterator(chunk_size=5000)
    )
    return csvfile.csv_lines(columns, rows)
