"""Geometry of the report's charts, drawn on the server (CSS bars and inline SVG in the template):
no chart library, no CDN, and the figures stay readable as text without JavaScript or CSS."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    value: int
    percent: float  # of the largest value, for the bar's width


def bar_rows(items: list[tuple[str, str, int]]) -> list[Bar]:
    """Horizontal bars: (code, label, value) with widths relative to the largest value."""
    top = max((value for _c, _l, value in items), default=0) or 1
    return [Bar(code, str(label), value, round(100 * value / top, 1)) for code, label, value in items]


@dataclass(frozen=True)
class Column:
    day: dt.date
    value: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bar_width: float
    columns: list[Column]
    top: int
    label_every: int


CHART_WIDTH, CHART_HEIGHT, AXIS = 720, 180, 20


def timeline_svg(per_day: list[list]) -> Timeline:
    """Registrations per WIB day as columns of an SVG chart (the template draws them)."""
    top = max((n for _d, n in per_day), default=0) or 1
    step = CHART_WIDTH / max(len(per_day), 1)
    plot = CHART_HEIGHT - AXIS
    columns = []
    for i, (day, n) in enumerate(per_day):
        height = round(plot * n / top, 1)
        columns.append(Column(dt.date.fromisoformat(day), n, round(i * step + step * 0.1, 1), round(plot - height, 1), height))
    return Timeline(CHART_WIDTH, CHART_HEIGHT, round(step * 0.8, 1), columns, top,
                    label_every=max(1, len(per_day) // 10 + (1 if len(per_day) % 10 else 0)))
