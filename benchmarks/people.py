"""Generated benchmark people: accounts and applicant profiles by INSERT ... SELECT generate_series (PostgreSQL)."""
from __future__ import annotations


def insert_people(cursor, *, email_prefix: str, nik_prefix: str, count: int, first: int = 1) -> None:
    """Person i (first..count): account `{email_prefix}{i}@bench.invalid` (no usable password), NIK
    `{nik_prefix}` + i on 14 digits, family card `{nik_prefix}` + i/3 (families of three), phone +62 + the
    NIK prefix + i on 9 digits; Indonesian accounts. `nik_prefix` is two digits no real province uses (98, 99).
    `first` > 1 extends a pool that already holds persons 1..first-1."""
    cursor.execute(
        "INSERT INTO registration_user (password, is_superuser, first_name, last_name, is_staff, is_active,"
        " date_joined, email, language) SELECT '!', false, '', '', false, true, now(), %s || i || '@bench.invalid', 'id'"
        " FROM generate_series(%s, %s) i", [email_prefix, first, count])
    start = len(email_prefix) + 1
    cursor.execute(
        "INSERT INTO registration_applicant (user_id, nik, kk, full_name, birth_date, phone,"
        " not_in_formal_education, created_at, updated_at)"
        " SELECT u.id, %s || lpad(x.i::text, 14, '0'), %s || lpad((x.i / 3)::text, 14, '0'), 'Bench',"
        " date '1990-01-01', '+628' || %s || lpad(x.i::text, 9, '0'), true, now(), now()"
        " FROM registration_user u,"
        " LATERAL (SELECT substr(u.email, %s, strpos(u.email, '@') - %s)::bigint AS i) x"
        " WHERE u.email LIKE %s AND x.i >= %s",
        [nik_prefix, nik_prefix, nik_prefix[1], start, start, email_prefix + "%", first])
