"""Fixtures for the exclusion-list tests: CSV files written to tmp_path, digests, table helpers."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, models

from prakerja.lib.digest import keyed_digest

# Valid NIKs (province 32 Jawa Barat, 35 Jawa Timur, 73 Sulawesi Selatan, 11 Aceh).
NIK_A = "3201014112900001"  # the `applicant` persona's NIK
NIK_B = "3578010505950002"  # the `other_applicant` persona's NIK
NIK_C = "7371011203880003"
NIK_D = "1101015507990004"
KK_A = "3201010101200001"


@pytest.fixture
def write_csv(tmp_path):
    """write_csv("nik\\n...") -> Path; bytes are written as given."""
    counter = iter(range(1000))

    def write(content: str | bytes, name: str | None = None) -> Path:
        path = tmp_path / (name or f"list-{next(counter)}.csv")
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write


def digest_param(number: str):
    """A digest as the database stores a UUIDField: uuid on PostgreSQL, 32 hex characters on SQLite."""
    return models.UUIDField().get_db_prep_value(keyed_digest(number), connection)


def table_exists(name: str) -> bool:
    return name in connection.introspection.table_names()


def table_rows(name: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nik_digest, kk_digest FROM {connection.ops.quote_name(name)} ORDER BY nik_digest")
        return cursor.fetchall()


def on_table(name: str, number: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(name)} WHERE nik_digest = %s", [digest_param(number)])
        return cursor.fetchone() is not None


def list_tables() -> set[str]:
    return {name for name in connection.introspection.table_names() if name.startswith("exclusion_")}


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the Indonesian catalog is checked by tests/test_translations.py."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def no_confirmation(settings):
    """Loads go live whatever their figures: for tests of other behaviours whose few-line files have a bad
    row (over the 1% that sends a load to confirmation, tested in test_needs_confirmation.py)."""
    settings.EXCLUSION_LIST_MAX_BAD_SHARE = 1.0
    settings.EXCLUSION_LIST_MAX_SHRINK = 1.0


@pytest.fixture
def probe_everything(monkeypatch):
    """Every digest in the duplicate probe's sample (a real file samples 1 in 256), so a few lines' duplicates
    are seen while digesting."""
    from eligibility.lists import digests

    monkeypatch.setattr(digests, "_probe_sample",
                        lambda joined: [joined[at:at + 16] for at in range(0, len(joined), 16)])


@pytest.fixture
def probe_nothing(monkeypatch):
    """No digest in the probe's sample: duplicates make the unique key fail first (the fallback path)."""
    from eligibility.lists import digests

    monkeypatch.setattr(digests, "_probe_sample", lambda joined: [])


def valid_niks(count: int, *, first_serial: int = 1001, province: str = "32") -> list[str]:
    """`count` distinct valid NIKs (a real date, a serial that is not 0000), with natural last digits."""
    return [f"{province}0101{day:02d}0190{serial:04d}" for serial in range(first_serial, first_serial + count)
            for day in [1 + serial % 28]]


def excel_truncated(nik: str) -> str:
    """The NIK as a spreadsheet keeps it once stored as a number: 15 significant digits, the 16th a 0."""
    return nik[:15] + "0"
