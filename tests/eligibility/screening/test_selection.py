"""The quota lottery: ranks from SHA-256 of "{seed}:{nik}", reproducible from the revealed seed."""
import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from eligibility.models.screening import ScreeningResult
from eligibility.screening.sql import ScreeningError
from eligibility.waves import select_awardees
from prakerja.lib.sealing import seal
from registration.models import Wave

from .conftest import make_list, make_wave, new_person, register, screen


@pytest.fixture
def screened(db):
    wave = make_wave(number=70, quota=5)
    people = [new_person() for _ in range(12)]
    make_list("bsu", people[:3])
    for person in people:
        register(person, wave)
    screen(wave)
    return wave


def expected_ranking(wave: Wave) -> list[int]:
    """Recompute the draw as anyone can: eligible registrations by sha256(f"{seed}:{nik}") ascending."""
    eligible = ScreeningResult.objects.filter(wave_id=wave.pk, status="eligible").select_related("registration__applicant")
    tickets = {r.registration_id: hashlib.sha256(f"{wave.seed}:{r.registration.applicant.nik}".encode()).hexdigest()
               for r in eligible}
    return sorted(tickets, key=lambda pk: (tickets[pk], pk))


def test_it_selects_exactly_the_quota_by_the_seeded_ranking(screened, staff):
    assert select_awardees(wave=screened, by=staff) == 5

    screened.refresh_from_db()
    assert screened.status == Wave.Status.SELECTED and screened.seed_revealed_at is not None
    assert screened.selected_by == staff
    assert hashlib.sha256(screened.seed.encode()).hexdigest() == screened.seed_commitment
    ranked = list(ScreeningResult.objects.filter(wave_id=screened.pk, status="eligible")
                  .order_by("rank").values_list("registration_id", "rank", "selected"))
    assert [pk for pk, _, _ in ranked] == expected_ranking(screened)
    assert [rank for _, rank, _ in ranked] == list(range(1, 10))
    assert [selected for _, _, selected in ranked] == [True] * 5 + [False] * 4  # the rest: reserve list
    ineligible = ScreeningResult.objects.filter(wave_id=screened.pk, status="ineligible")
    assert set(ineligible.values_list("rank", "selected")) == {(None, False)}


def test_it_selects_everyone_eligible_when_fewer_than_the_quota(db):
    wave = make_wave(number=71, quota=100)
    for _ in range(4):
        register(new_person(), wave)
    screen(wave)
    assert select_awardees(wave=wave, by=None) == 4


def test_selecting_twice_changes_nothing(screened):
    select_awardees(wave=screened, by=None)
    before = list(ScreeningResult.objects.filter(wave_id=screened.pk).order_by("pk").values_list("pk", "rank", "selected"))
    revealed = Wave.objects.get(pk=screened.pk).seed_revealed_at

    assert select_awardees(wave=screened, by=None) == 5  # the service is idempotent
    with pytest.raises(CommandError, match="cannot be drawn"):  # the operator is told, not shown a success
        call_command("select_awardees", str(screened.number), "--yes")

    assert list(ScreeningResult.objects.filter(wave_id=screened.pk).order_by("pk").values_list("pk", "rank", "selected")) == before
    assert Wave.objects.get(pk=screened.pk).seed_revealed_at == revealed


def test_it_refuses_a_wave_not_yet_screened(wave):
    with pytest.raises(ScreeningError):
        select_awardees(wave=wave, by=None)


def test_the_command_selects_and_records_who_ran_it(screened, staff, capsys):
    call_command("select_awardees", str(screened.number), "--by", staff.email.upper(), "--yes")
    assert ScreeningResult.objects.filter(wave_id=screened.pk, selected=True).count() == 5
    screened.refresh_from_db()
    assert screened.selected_by == staff
    out = capsys.readouterr().out
    assert f"Gelombang {screened.number}: 5 terpilih (kuota 5). Seed {screened.seed}" in out
    assert f"Wave {screened.number}: 5 selected (quota 5)." in out


def test_the_command_refuses_an_unknown_account_and_selects_nothing(screened):
    with pytest.raises(CommandError, match="tidak ada akun staf aktif .* / .*no active staff account"):
        call_command("select_awardees", str(screened.number), "--by", "nobody@example.com", "--yes")
    screened.refresh_from_db()
    assert screened.status == Wave.Status.SCREENED and screened.selected_by is None
    assert not ScreeningResult.objects.filter(wave_id=screened.pk, selected=True).exists()


def test_the_command_says_in_both_languages_why_a_wave_cannot_be_selected(wave):
    with pytest.raises(CommandError) as refused:
        call_command("select_awardees", str(wave.number), "--yes")
    indonesian, english = str(refused.value).split(" / ")
    assert indonesian == f"Gelombang {wave.number} harus disaring sebelum penetapan peserta (statusnya Dibuka)."
    assert english == f"Wave {wave.number} must be screened before the selection (it is Open)."
    assert not Wave.objects.get(pk=wave.pk).seed_is_revealed


def test_the_seed_cannot_be_changed_once_the_wave_opened(wave):
    sealed, commitment = wave.sealed_seed, wave.seed_commitment
    assert sealed and commitment
    for change in ({"sealed_seed": seal("0" * 64)}, {"seed_commitment": "0" * 64}, {"seed": "1" * 64},
                   {"sealed_seed": seal("1" * 64), "seed_commitment": hashlib.sha256(b"1" * 64).hexdigest()}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Wave.objects.filter(pk=wave.pk).update(**change)
    wave.quota = 7  # other fields stay editable, and a full save() rewrites the same seed
    wave.save()
    wave.refresh_from_db()
    assert (wave.sealed_seed, wave.seed_commitment, wave.quota) == (sealed, commitment, 7)
