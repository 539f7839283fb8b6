"""An appeal upheld after the draw: the published draw stays reproducible (ticket list and commitment as at the
draw), recipients keep their ranks and cards, the appellant joins the reserve at its ticket's place among it, and
every reserve position shown is its place among the unpromoted, unrevoked reserve (docs/DOMAIN.md, "After the
draw"). Checked with tools/verify_draw.py, run as the public would run it."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftercare import services
from aftercare.models import Appeal, RevocationReason
from aftercare.sql import reserve_positions
from eligibility.cards import card_number
from eligibility.draw import ticket
from eligibility.models.draw import PublishedDraw
from eligibility.models.screening import ScreeningResult
from registration.models import Registration
from tests.aftercare.conftest import make_list, make_wave, new_person, register, result_of, screen, select

pytestmark = pytest.mark.django_db

VERIFY = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"
QUOTA = 3


@pytest.fixture
def drawn(db, settings):
    """Wave 30, quota 3: six eligible people, and twenty on the ASN list whose appeals come after the draw."""
    settings.APPEAL_WINDOW_DAYS = 0
    wave = make_wave(number=30, quota=QUOTA)
    eligible = [register(new_person(), wave) for _ in range(6)]
    listed = [new_person() for _ in range(20)]
    listed_regs = [register(p, wave) for p in listed]
    make_list("asn", listed)
    screen(wave)
    return select(wave), eligible, listed_regs


def tickets_file(client, wave, tmp_path) -> Path:
    response = client.get(reverse("registration:wave_tickets", args=[wave.number]))
    assert response.status_code == 200
    path = tmp_path / f"wave-{wave.number}-tickets.txt"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def verify(wave, nik: str, path: Path) -> str:
    draw = PublishedDraw.objects.get(wave=wave)
    done = subprocess.run([sys.executable, str(VERIFY), "--seed", wave.seed, "--nik", nik, "--tickets", str(path),
                           "--commitment", draw.pool_commitment, "--cutoff", draw.cutoff_ticket],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def ticket_of(registration) -> str:
    return ticket(registration.wave.seed, registration.applicant.nik)


def uphold_late(registration, staff, *, minutes: int = 5):
    appeal = Appeal.objects.create(registration=registration, reason="asn", statement="Bukan ASN sejak 2019.")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes)):
        services.decide_appeal(appeal=appeal, upheld=True, reason="SK pemberhentian.", by=staff)
    return appeal


def state(wave) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in ScreeningResult.objects.filter(wave_id=wave.pk, rank__isnull=False)
            .values_list("registration_id", "rank", "selected", "card_number")}


def reserve_by_definition(wave) -> dict[int, int]:
    """Position among unpromoted, unrevoked reserve registrations by rank, counted the long way."""
    rows = (ScreeningResult.objects.filter(wave_id=wave.pk, rank__isnull=False, selected=False,
                                           registration__revocation__isnull=True).order_by("rank")
            .values_list("registration_id", flat=True))
    return {pk: n for n, pk in enumerate(rows, start=1)}


def check_cutoff_rule(wave, path: Path) -> None:
    """Every ticket of the list: at or below the cut-off exactly when it was drawn within the quota."""
    draw = PublishedDraw.objects.get(wave=wave)
    lines = path.read_text("ascii").splitlines()
    assert len(lines) == draw.eligible_count
    drawn_within = {ticket_of(r) for r in Registration.objects.filter(result__wave_id=wave.pk,
                                                                     result__rank__lte=wave.quota)
                    .select_related("applicant", "wave")}
    assert {t for t in lines if t <= draw.cutoff_ticket} == drawn_within
    assert len(drawn_within) == wave.quota


def test_it_keeps_the_draw_as_published_after_an_upheld_appeal_and_a_promotion(client, drawn, staff, tmp_path):
    wave, eligible, listed = drawn
    before_file = tickets_file(client, wave, tmp_path).read_bytes()
    before = state(wave)
    recipients_before = {pk: row for pk, row in before.items() if row[1]}
    cutoff = PublishedDraw.objects.get(wave=wave).cutoff_ticket
    # Two late entries: one whose ticket is below the cut-off, one above it.
    below = next(r for r in listed if ticket_of(r) < cutoff)
    above = next(r for r in listed if ticket_of(r) > cutoff)
    uphold_late(below, staff)
    uphold_late(above, staff, minutes=10)

    after = state(wave)
    for pk, row in recipients_before.items():  # recipients keep rank, selection and card
        assert after[pk] == row
        assert row[2] == card_number(30, row[0])
    # The below-cut-off entry is first in the reserve; the other at its ticket's place among the reserve.
    reserve = sorted((rank, pk) for pk, (rank, selected, _card) in after.items() if not selected)
    assert reserve[0] == (QUOTA + 1, below.pk)
    assert [ticket_of(Registration.objects.get(pk=pk)) for _r, pk in reserve[1:]] == sorted(
        ticket_of(Registration.objects.get(pk=pk)) for _r, pk in reserve[1:])
    assert sorted(rank for rank, _pk in reserve) == list(range(QUOTA + 1, QUOTA + 1 + len(reserve)))
    assert reserve_positions([result_of(below), result_of(above)]) == {
        below.pk: 1, above.pk: reserve_by_definition(wave)[above.pk]}

    # The published draw does not move: same file, commitment matches, the cut-off rule holds for every ticket.
    path = tickets_file(client, wave, tmp_path)
    assert path.read_bytes() == before_file
    out = verify(wave, below.applicant.nik, path)
    assert "commitment matches: yes" in out
    assert "not in the list" in out
    check_cutoff_rule(wave, path)

    # A revocation fills the place from the reserve: the first in it, the late entry, with a card of its rank.
    first = min(recipients_before, key=lambda pk: recipients_before[pk][0])
    services.revoke_recipient(registration=Registration.objects.get(pk=first), reason=RevocationReason.FRAUD,
                              by=staff)
    promoted = result_of(below)
    assert (promoted.selected, promoted.rank, promoted.card_number) == (True, QUOTA + 1, card_number(30, QUOTA + 1))
    assert reserve_positions([result_of(r) for r in listed + eligible]) == reserve_by_definition(wave)
    path = tickets_file(client, wave, tmp_path)
    assert path.read_bytes() == before_file
    assert "commitment matches: yes" in verify(wave, eligible[0].applicant.nik, path)
    check_cutoff_rule(wave, path)


def test_it_tells_the_late_entry_on_the_dashboard_where_it_stands(client, drawn, staff):
    wave, eligible, listed = drawn
    # The best-placed late entry: usually below the cut-off (then first in the reserve); with this wave's random
    # seed it may not be, and its place is then counted the long way (the tickets are random: never assume one).
    late = min(listed, key=ticket_of)
    reserve = [ticket_of(r) for r in eligible if not result_of(r).selected]
    place = 1 + sum(t < ticket_of(late) for t in reserve)
    if ticket_of(late) < PublishedDraw.objects.get(wave=wave).cutoff_ticket:
        assert place == 1
    uphold_late(late, staff)
    client.force_login(late.applicant.user)
    page = client.get(reverse("registration:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="after-appeal"' in page
    assert f"You are number {place} on the reserve list" in page
    assert "not in the published ticket list" in page
    assert "-5999" not in page and "number -" not in page


def test_it_positions_every_reserve_the_way_the_definition_counts_them(drawn, staff):
    wave, eligible, listed = drawn
    for n, registration in enumerate(listed[:4]):
        uphold_late(registration, staff, minutes=5 + n)
    recipients = ScreeningResult.objects.filter(wave_id=wave.pk, selected=True).order_by("rank")
    for result in list(recipients)[:2]:
        services.revoke_recipient(registration=result.registration, reason=RevocationReason.NO_TRAINING, by=staff)
    everyone = [result_of(r) for r in listed + eligible]
    positions = reserve_positions(everyone)
    assert positions == reserve_by_definition(wave)
    assert sorted(positions.values()) == list(range(1, len(positions) + 1))
    # Ranks stay unique, and every card number is its rank's.
    ranks = list(ScreeningResult.objects.filter(wave_id=wave.pk, rank__isnull=False).values_list("rank", flat=True))
    assert len(ranks) == len(set(ranks))
    for rank, card in ScreeningResult.objects.filter(wave_id=wave.pk, card_number__isnull=False).values_list(
            "rank", "card_number"):
        assert card == card_number(30, rank)
