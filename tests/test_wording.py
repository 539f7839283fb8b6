"""One Indonesian word per idea: screening is "penyaringan/disaring", selection the "undian", the seed "seed";
staff labels do not address the reader as "Anda"."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from eligibility.models.screening import ReasonCode
from tests.test_translations import ROOT, _entries

SWEPT = [po for po in sorted(ROOT.glob("**/locale/id/LC_MESSAGES/django.po")) if ".venv" not in po.parts]


@pytest.mark.parametrize("po", SWEPT, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_catalog_says_seleksi_or_benih(po: Path):
    mixed = [e["msgid"] for e in _entries(po) if e["msgid"]
             for key, value in e.items() if key.startswith("msgstr") and ("seleksi" in value.lower()
                                                                        or "benih" in value.lower())]
    assert mixed == []


@pytest.mark.parametrize(("english", "indonesian"), [
    ("Screening", "Sedang disaring"), ("Screened", "Sudah disaring"), ("Run the selection", "Jalankan undian"),
    ("secret until the selection; revealed here afterwards", "dirahasiakan sampai undian; diungkap di sini sesudahnya"),
    ("Lottery seed", "Seed undian"),
])
def test_the_words_in_indonesian(english, indonesian):
    with translation.override("id"):
        assert gettext(english) == indonesian


def test_the_kk_limit_reason_is_worded_for_any_reader():
    with translation.override("id"):
        label = str(ReasonCode.KK_LIMIT.label)
    assert "Anda" not in label and label.startswith("Dua anggota Kartu Keluarga (KK) yang sama")
