"""The prior-awardee list is indexed by family card, for the KK phase of a screening."""
import pytest
from django.db import connection

from eligibility.lists.services import load_exclusion_list
from eligibility.models.lists import ListCategory

from .conftest import KK_A, NIK_A, NIK_B, NIK_C

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: c for name, c in constraints.items() if c["index"] and not c["primary_key"] and not c["unique"]}


def _kk_index(table: str) -> dict | None:
    return next((c for c in _indexes(table).values() if c["columns"][:1] == ["kk_digest"]), None)


def test_it_indexes_the_kk_digests_of_the_prior_awardee_list(write_csv):
    prior = load_exclusion_list(category=ListCategory.PRIOR_AWARDEE,
                                path_or_file=write_csv(f"nik,kk\n{NIK_A},{KK_A}\n{NIK_C},\n"), file_name="2020.csv",
                                by=None)

    assert _kk_index(prior.table_name) is not None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                           [prior.table_name, "%kk_digest%"])
            (definition,) = cursor.fetchone()
        assert "INCLUDE (nik_digest)" in definition and "WHERE (kk_digest IS NOT NULL)" in definition


def test_it_indexes_a_prior_awardee_file_with_duplicates_too(write_csv):
    prior = load_exclusion_list(category=ListCategory.PRIOR_AWARDEE,
                                path_or_file=write_csv(f"nik,kk\n{NIK_A},\n{NIK_A},{KK_A}\n{NIK_B},{KK_A}\n"),
                                file_name="2020.csv", by=None)

    assert (prior.row_count, prior.duplicate_count) == (2, 1)
    assert _kk_index(prior.table_name) is not None


def test_it_does_not_index_kk_digests_of_other_lists(write_csv):
    other = load_exclusion_list(category=ListCategory.BSU, path_or_file=write_csv(f"nik\n{NIK_A}\n"),
                                file_name="bsu.csv", by=None)

    assert _kk_index(other.table_name) is None
