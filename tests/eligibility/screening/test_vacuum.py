"""The screening's first step vacuums the tables it reads by index-only scans (PostgreSQL): the registrations and the
active list tables, filled by inserts, would otherwise cost one heap page read per row (docs/PERFORMANCE.md)."""
import pytest
from django.db import connection

from eligibility.screening import services
from registration.models import Registration

from .conftest import make_list, make_wave, new_person, register

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


def vacuum_counts(*tables: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(%s)", [list(tables)])
        return dict(cursor.fetchall())


def test_it_vacuums_the_registrations_and_the_active_lists(drop_list_tables):
    wave = make_wave(number=96)
    people = [new_person() for _ in range(20)]
    active = make_list("asn", people[:3])
    replaced = make_list("tni", people[3:5])
    make_list("tni", people[5:6])  # replaces the one above, which no screening reads any more
    for person in people:
        register(person, wave)
    tables = (Registration._meta.db_table, active.table_name, replaced.table_name)
    before = vacuum_counts(*tables)

    services.vacuum_for_screening()

    after = vacuum_counts(*tables)
    assert after[Registration._meta.db_table] == before.get(Registration._meta.db_table, 0) + 1
    assert after[active.table_name] == before.get(active.table_name, 0) + 1
    assert after.get(replaced.table_name, 0) == before.get(replaced.table_name, 0)
