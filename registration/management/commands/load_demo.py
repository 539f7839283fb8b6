"""Demo data for `make run`: an open wave with a deadline a few days ahead, a staff account, and a past
wave with 120 applicants and an exclusion list, closed so that the worker `make run` starts screens it
(staff can then run the selection and open its report).

Safe to run again: nothing is duplicated and an existing staff password is left alone.
"""
import datetime as dt
import io
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from eligibility.lists.services import load_exclusion_list
from eligibility.models import ExclusionList, ListCategory
from eligibility.waves import WaveError, close_wave, publish_wave
from prakerja.lib.digest import keyed_digest
from prakerja.lib.identity import canonical_email
from prakerja.lib.timefmt import WIB, format_wib
from registration.models import Applicant, Registration, Wave
from staff.second_factor import enrol_for_demo

STAFF_EMAIL = "staf@prakerja.local"
STAFF_PASSWORD = "prakerja-demo-2021"
PAST_APPLICANTS = 120


def _demo_people(count: int) -> list[dict]:
    """Valid, made-up identities in Kab. Bogor (32 01): families of three share a KK."""
    people = []
    for i in range(count):
        born = dt.date(1985, 1, 1) + dt.timedelta(days=53 * i)
        day = born.day + (40 if i % 2 else 0)  # women add 40 to the day
        people.append({
            "nik": f"320101{day:02d}{born:%m%y}{i + 1:04d}",
            "kk": f"3201010101{21 + i // 3 % 60:02d}{i // 3:04d}",
            "full_name": f"Peserta Demo {i + 1}",
            "birth_date": born,
            "phone": f"+62812{7000000 + i:07d}",
            "email": f"peserta{i + 1}@demo.prakerja.local",
        })
    return people


class Command(BaseCommand):
    help = "Load demo data: an open wave, a staff (superuser) account, and a past wave closed for screening."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            self.stderr.write("Refusing to load demo data with DEBUG off (Data demo tidak dimuat di produksi).")
            return
        User = get_user_model()
        staff = User.objects.filter(email=STAFF_EMAIL).first()
        if staff is None:
            staff = User.objects.create_superuser(email=STAFF_EMAIL, password=STAFF_PASSWORD)
        now = timezone.now()
        self._past_wave(staff=staff, now=now)
        wave = Wave.objects.accepting(now).first()
        if wave is None:
            number = (Wave.objects.order_by("-number").values_list("number", flat=True).first() or 11) + 1
            wave = Wave.objects.create(
                number=number,
                quota=600_000,
                opens_at=now - timedelta(hours=1),
                # A hard deadline like wave 12's: noon WIB, three days from now.
                closes_at=timezone.localtime(now + timedelta(days=3), WIB).replace(hour=12, minute=0, second=0, microsecond=0),
            )
            try:
                wave = publish_wave(wave=wave, by=staff)
            except WaveError as exc:
                wave.delete()  # no draft left behind: the next `make run` tries again
                # Both languages, like every command's message (the reason is a WaveError: Indonesian / English).
                self.stderr.write(f"Tidak ada gelombang demo yang dibuka / No open demo wave: {exc.bilingual()}")
                wave = None
        if wave is not None:
            with translation.override("en"):  # the line is English: so is its date
                closes = format_wib(wave.closes_at)
            self.stdout.write(self.style.SUCCESS(f"Open wave: {wave.number}, closes {closes}"))
        self.stdout.write(self.style.SUCCESS(f"Staff login: {STAFF_EMAIL} / {STAFF_PASSWORD}  at http://127.0.0.1:8000/admin/"))
        self._demo_applicants_line()
        # Staff pages need a second factor: the demo account has an authenticator whose code a command prints.
        enrol_for_demo(user=staff)
        self.stdout.write(self.style.SUCCESS(
            f"Second factor for {STAFF_EMAIL}: .venv/bin/python manage.py demo_otp  (prints the current code)"))

    def _past_wave(self, *, staff, now: dt.datetime) -> None:
        """Wave 11, two weeks ago, with demo applicants and an ASN list; closed, so its screening is queued."""
        if Wave.objects.exists():  # only on a fresh database: never mixes demo data into real waves
            return
        people = _demo_people(PAST_APPLICANTS)
        with transaction.atomic():
            wave = Wave.objects.create(number=11, quota=50, opens_at=now - timedelta(days=21),
                                       closes_at=now - timedelta(days=14))
            wave = publish_wave(wave=wave, by=staff)
            User = get_user_model()
            # One demo password for every demo applicant (hashed once), so a newcomer can open their dashboards.
            password = make_password(STAFF_PASSWORD)
            users = User.objects.bulk_create([
                User(email=p["email"], email_canonical=canonical_email(p["email"]),
                     email_verified_at=now - timedelta(days=20), password=password)
                for p in people
            ])
            applicants = Applicant.objects.bulk_create([
                Applicant(user=user, nik=p["nik"], kk=p["kk"], full_name=p["full_name"], birth_date=p["birth_date"],
                          phone=p["phone"], not_in_formal_education=True)
                for user, p in zip(users, people)
            ])
            Registration.objects.bulk_create([
                Registration(wave=wave, applicant=applicant, registered_at=wave.opens_at + timedelta(minutes=7 * i),
                             nik_digest=keyed_digest(applicant.nik), kk_digest=keyed_digest(applicant.kk))
                for i, applicant in enumerate(applicants)
            ])
        if not ExclusionList.objects.active().filter(category=ListCategory.ASN).exists():
            # Every seventh demo applicant is a civil servant.
            rows = "nik\n" + "".join(f"{p['nik']}\n" for p in people[::7])
            load_exclusion_list(category=ListCategory.ASN, path_or_file=io.BytesIO(rows.encode()),
                                file_name="demo-asn.csv", by=staff)
        close_wave(wave=wave, by=staff)
        # The selection waits for the appeal window (docs/DOMAIN.md, "After the draw"): say how to draw it today.
        if settings.APPEAL_WINDOW_DAYS:
            days = settings.APPEAL_WINDOW_DAYS
            advice = (f". Its selection waits {days} day{'s' if days != 1 else ''} for appeals: to draw it now, stop "
                      "and start again with `APPEAL_WINDOW_DAYS=0 make run`, then run the selection in the admin.")
        else:
            advice = ", then run the selection in the admin."
        self.stdout.write(self.style.SUCCESS(
            f"Past wave 11: {PAST_APPLICANTS} registrations, closed; the worker screens it{advice}"))

    def _demo_applicants_line(self) -> None:
        """Every run, not only the one that created them: the line scrolls away, and a newcomer reruns make run."""
        first, second = (person["email"] for person in _demo_people(2))
        if get_user_model().objects.filter(email__in=[first, second]).count() < 2:
            return  # not a demo database (or its applicants were removed): nothing to sign in with
        # people[0] is on the demo ASN list (every seventh is), people[1] is not.
        self.stdout.write(self.style.SUCCESS(
            f"Demo applicants (password {STAFF_PASSWORD}) at http://127.0.0.1:8000/masuk/ : {first} "
            f"(on the ASN list), {second} (eligible)"))
