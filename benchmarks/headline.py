"""`make bench`'s closing table: each benchmark records its headline figures, each beside the reference measured in
the same run, as it prints them; `run_benchmarks` prints them together at the end as a Markdown table (the one the
README keeps, "Where each target stands"), so that a full run's figures need no copying from its log.

Also the one way the benchmarks write a median with its spread: "median (min-max)".
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    what: str
    measured: str
    reference: str
    ratio: str  # the ratio, its target and whether it is met ("" when the row has none)


_rows: list[Row] = []


def spread(values: list[float], spec: str = ".2f", unit: str = "") -> str:
    """'median unit (min-max)' of `values` (non-empty), each number formatted by `spec`, e.g. '3.76 s (2.41-4.69)'."""
    suffix = f" {unit}" if unit else ""
    return (f"{statistics.median(values):{spec}}{suffix} "
            f"({min(values):{spec}}-{max(values):{spec}})")


def verdict(ratio: float, *, at_most: float | None = None, at_least: float | None = None) -> str:
    """'2.80x (<= 3x: met)' / '... **missed**': a ratio against its target (one of at_most, at_least)."""
    if at_most is not None:
        met, target = ratio <= at_most, f"<= {at_most:g}x"
    else:
        met, target = ratio >= at_least, f">= {at_least:g}x"
    return f"{ratio:.2f}x ({target}: {'met' if met else '**missed**'})"


def record(what: str, measured: str, reference: str = "-", ratio: str = "") -> None:
    """Add one row of the closing table (in the order the benchmarks run)."""
    _rows.append(Row(what, measured, reference, ratio))


def rows() -> list[Row]:
    return list(_rows)


def clear() -> None:
    _rows.clear()


def markdown() -> str:
    """The recorded rows as a Markdown table, a header first; '' when none was recorded."""
    if not _rows:
        return ""
    lines = ["| what | measured | reference in the same run | ratio (target) |", "|---|---|---|---|"]
    lines += [f"| {r.what} | {r.measured} | {r.reference} | {r.ratio or '-'} |" for r in _rows]
    return "\n".join(lines)
