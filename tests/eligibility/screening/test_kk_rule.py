"""The KK rule: at most two recipients per family card, across the programme (docs/DOMAIN.md)."""
import datetime as dt

from eligibility.waves import select_awardees

from .conftest import make_list, make_wave, new_kk, new_person, register, result_of, screen


def family(size: int, kk: str | None = None):
    kk = kk or new_kk()
    return [new_person(kk=kk) for _ in range(size)]


def test_it_gives_the_third_eligible_member_of_a_kk_kk_limit(wave):
    first, second, third = family(3)
    regs = [register(p, wave, at=wave.opens_at + dt.timedelta(hours=h)) for h, p in enumerate((first, second, third), 1)]

    run = screen(wave)

    assert [(result_of(r).status, result_of(r).reasons) for r in regs] == [
        ("eligible", ""), ("eligible", ""), ("ineligible", "kk_limit")]
    assert run.outcome_counts["reasons"] == {"kk_limit": 1}


def test_it_orders_by_registration_time_not_by_id(wave):
    first, second, third = family(3)
    late = register(first, wave, at=wave.opens_at + dt.timedelta(hours=3))
    early = register(second, wave, at=wave.opens_at + dt.timedelta(hours=1))
    middle = register(third, wave, at=wave.opens_at + dt.timedelta(hours=2))

    screen(wave)

    assert result_of(early).status == result_of(middle).status == "eligible"
    assert result_of(late).reasons == "kk_limit"


def test_an_ineligible_member_never_uses_a_slot(wave):
    asn, second, third = family(3)
    make_list("asn", [asn])
    regs = [register(p, wave, at=wave.opens_at + dt.timedelta(hours=h)) for h, p in enumerate((asn, second, third), 1)]

    screen(wave)

    assert [(result_of(r).status, result_of(r).reasons) for r in regs] == [
        ("ineligible", "asn"), ("eligible", ""), ("eligible", "")]


def test_two_prior_recipients_on_the_2020_list_leave_no_slot(wave):
    kk = new_kk()
    make_list("prior_awardee", family(2, kk))  # the 2020 list carries their KK
    newcomers = family(2, kk)
    regs = [register(p, wave) for p in newcomers]

    screen(wave)

    assert [(result_of(r).status, result_of(r).reasons) for r in regs] == [("ineligible", "kk_limit")] * 2


def test_one_prior_recipient_leaves_one_slot(wave):
    kk = new_kk()
    make_list("prior_awardee", family(1, kk))
    regs = [register(p, wave, at=wave.opens_at + dt.timedelta(hours=h)) for h, p in enumerate(family(2, kk), 1)]

    screen(wave)

    assert [result_of(r).reasons for r in regs] == ["", "kk_limit"]


def test_recipients_of_earlier_waves_count_against_the_kk(db):
    earlier, later = make_wave(number=40, quota=10, days_ago=40), make_wave(number=41, days_ago=10)
    kk = new_kk()
    for person in family(2, kk):
        register(person, earlier)
    screen(earlier)
    assert select_awardees(wave=earlier, by=None) == 2
    newcomer = register(new_person(kk=kk), later)

    screen(later)

    assert (result_of(newcomer).status, result_of(newcomer).reasons) == ("ineligible", "kk_limit")


def test_a_person_on_the_2020_list_and_selected_again_counts_once(db):
    # Selected in wave 42 before the 2020 list reached the system, then found on it: one person, one slot.
    earlier, later = make_wave(number=42, quota=10, days_ago=40), make_wave(number=43, days_ago=10)
    kk = new_kk()
    recipient = new_person(kk=kk)
    register(recipient, earlier)
    screen(earlier)
    select_awardees(wave=earlier, by=None)
    make_list("prior_awardee", [recipient])
    regs = [register(p, later, at=later.opens_at + dt.timedelta(hours=h)) for h, p in enumerate(family(2, kk), 1)]

    screen(later)

    assert [result_of(r).reasons for r in regs] == ["", "kk_limit"]


def test_registration_time_ties_are_broken_by_id(wave):
    same_time = wave.opens_at + dt.timedelta(hours=5)
    regs = [register(p, wave, at=same_time) for p in family(3)]

    screen(wave)

    by_id = sorted(regs, key=lambda r: r.pk)
    assert [result_of(r).reasons for r in by_id] == ["", "", "kk_limit"]


def test_other_families_are_independent(wave):
    regs = [register(p, wave) for p in family(2) + family(2) + [new_person()]]

    screen(wave)

    assert all(result_of(r).status == "eligible" for r in regs)
