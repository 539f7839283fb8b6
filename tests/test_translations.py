"""Every user-facing string has an Indonesian translation, and the committed .mo files match the .po files.

Indonesian is the default language: an empty or fuzzy msgstr would show English to applicants.
"""
from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(
    path for path in ROOT.glob("**/locale/id/LC_MESSAGES/django.po") if ".venv" not in path.parts
)


def _entries(po: Path) -> list[dict]:
    """A small .po reader: msgid, msgid_plural, msgstr / msgstr[n], and flags (fuzzy)."""
    entries, entry, key = [], {"flags": ""}, None
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": ""}, None
        elif line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def test_it_finds_the_catalogs():
    assert CATALOGS, "no Indonesian catalogs found"


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_it_translates_every_string(po: Path):
    untranslated = [
        e["msgid"] for e in _entries(po)
        if e["msgid"] and ("fuzzy" in e["flags"] or not all(v for k, v in e.items() if k.startswith("msgstr")))
    ]
    assert untranslated == []


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_it_ships_a_compiled_catalog_matching_the_source(po: Path):
    with open(po.with_suffix(".mo"), "rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    for entry in _entries(po):
        if entry["msgid"] and "msgid_plural" not in entry and "msgctxt" not in entry:
            assert catalog.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
