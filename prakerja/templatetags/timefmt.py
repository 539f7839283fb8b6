"""`{% load timefmt %}{{ wave.closes_at|wib }}`: prakerja.lib.timefmt.format_wib as a template filter."""
from django import template

from prakerja.lib.timefmt import format_wib

register = template.Library()


@register.filter
def wib(moment, style: str = "") -> str:
    """`{{ moment|wib }}` -> `26 Feb 2021 12.00 WIB`; `{{ moment|wib:"weekday" }}` -> `Jumat, 26 Februari 2021 12.00 WIB`;
    `{{ moment|wib:"seconds" }}` -> `26 Feb 2021 12.00.07 WIB`."""
    return format_wib(moment, weekday=style == "weekday", seconds=style == "seconds")
