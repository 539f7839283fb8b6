"""Every reason code of docs/DOMAIN.md, each alone and together."""
import pytest

from eligibility.models.lists import ListCategory
from eligibility.models.screening import ReasonCode, ScreeningResult

from .conftest import make_list, make_wave, new_person, register, result_of, screen

LIST_CODES = [code for code in ListCategory.values]


@pytest.mark.parametrize("category", LIST_CODES)
def test_it_excludes_a_nik_on_each_list(wave, category):
    on_list, clean = new_person(), new_person()
    make_list(category, [on_list])
    listed, ok = register(on_list, wave), register(clean, wave)

    run = screen(wave)

    assert (result_of(listed).status, result_of(listed).reasons) == ("ineligible", category)
    assert (result_of(ok).status, result_of(ok).reasons) == ("eligible", "")
    assert run.outcome_counts["reasons"] == {category: 1}
    assert run.outcome_counts["registrations"] == 2


def test_it_gives_every_reason_in_alphabetical_order(wave):
    person = new_person()
    for category in ("tni", "asn", "bsu", "prior_awardee"):
        make_list(category, [person])
    registration = register(person, wave)

    screen(wave)

    assert result_of(registration).reasons == "asn;bsu;prior_awardee;tni"
    assert result_of(registration).reason_codes == ["asn", "bsu", "prior_awardee", "tni"]


def test_it_excludes_a_recipient_of_an_earlier_wave_as_prior_awardee(db):
    earlier, later = make_wave(number=30, quota=5, days_ago=40), make_wave(number=31, days_ago=10)
    recipient = new_person()
    register(recipient, earlier)
    screen(earlier)
    from eligibility.waves import select_awardees

    assert select_awardees(wave=earlier, by=None) == 1
    again = register(recipient, later)

    screen(later)

    assert (result_of(again).status, result_of(again).reasons) == ("ineligible", "prior_awardee")


def test_it_does_not_exclude_someone_not_selected_earlier(db):
    earlier, later = make_wave(number=30, quota=1, days_ago=40), make_wave(number=31, days_ago=10)
    first, second = new_person(), new_person()
    register(first, earlier), register(second, earlier)
    screen(earlier)
    from eligibility.waves import select_awardees

    select_awardees(wave=earlier, by=None)
    loser = ScreeningResult.objects.get(wave_id=earlier.pk, selected=False).registration.applicant
    again = register(loser, later)

    screen(later)

    assert result_of(again).status == "eligible"


def test_it_labels_every_reason_in_plain_words():
    assert {code for code in ReasonCode.values} == set(LIST_CODES) | {"kk_limit"}
    result = ScreeningResult(status="ineligible", reasons="asn;kk_limit")
    assert result.reason_labels == [str(ReasonCode.ASN.label), str(ReasonCode.KK_LIMIT.label)]
