"""prakerja.lib.prepared: a statement planned once per PostgreSQL connection, plain everywhere else."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from prakerja.lib import prepared

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")

SQL = "SELECT %s::int + %s, %s::text"


def run(sql=SQL, params=(2, 3, "x")) -> tuple[tuple, list[str]]:
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        row = cursor.fetchone()
    return row, [q["sql"] for q in queries.captured_queries]


def kinds(sent: list[str]) -> list[str]:
    return [sql.split()[0] for sql in sent]


@postgresql_only
@pytest.mark.django_db
def test_it_prepares_once_per_connection_and_then_only_executes():
    first, sent_first = run()
    second, sent_second = run(params=(40, 2, "it's"))
    assert first == (5, "x") and second == (42, "it's")
    assert kinds(sent_first) == ["PREPARE", "EXECUTE"]
    assert kinds(sent_second) == ["EXECUTE"]
    assert "$1" in sent_first[0] and "%s" not in sent_first[0]


@postgresql_only
@pytest.mark.django_db
def test_a_different_statement_gets_its_own_name():
    _, sent_a = run()
    _, sent_b = run("SELECT %s::int * %s, %s::text")
    assert sent_a[0].split()[1] != sent_b[0].split()[1]
    assert kinds(sent_b) == ["PREPARE", "EXECUTE"]


@postgresql_only
@pytest.mark.django_db
def test_the_statement_outlives_a_rolled_back_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        run()
        raise RuntimeError("the join was refused")
    row, sent = run()
    assert row == (5, "x") and kinds(sent) == ["EXECUTE"]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again():
    run()
    connection.close()
    row, sent = run()
    assert row == (5, "x") and kinds(sent) == ["PREPARE", "EXECUTE"]


@pytest.mark.django_db
def test_switched_off_or_elsewhere_the_statement_runs_as_given(settings):
    settings.PREPARED_STATEMENTS = False
    row, sent = run("SELECT %s + %s, %s")
    assert row == (5, "x")
    assert kinds(sent) == ["SELECT"]


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize("sql, params", [("SELECT %s::text LIKE 'a%'", ("a",)),  # a % that is no placeholder
                                         ("SELECT %s::int + %s", (1,))])  # too few parameters
def test_a_statement_it_cannot_number_is_refused(sql, params):
    with pytest.raises(ValueError), connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
