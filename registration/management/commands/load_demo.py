"""Demo data for `make run`: an open wave with a deadline a few days ahead and a staff account.

Safe to run again: nothing is duplicated and an existing staff password is left alone.
"""
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from registration.models import Wave
from registration.services import WaveError, open_wave

STAFF_EMAIL = "staf@prakerja.local"
STAFF_PASSWORD = "prakerja-demo-2021"


class Command(BaseCommand):
    help = "Load demo data: an open wave closing in a few days and a staff (superuser) account."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            self.stderr.write("Refusing to load demo data with DEBUG off (Data demo tidak dimuat di produksi).")
            return
        User = get_user_model()
        staff = User.objects.filter(email=STAFF_EMAIL).first()
        if staff is None:
            staff = User.objects.create_superuser(email=STAFF_EMAIL, password=STAFF_PASSWORD)
        now = timezone.now()
        wave = Wave.objects.accepting(now).first()
        if wave is None:
            number = (Wave.objects.order_by("-number").values_list("number", flat=True).first() or 11) + 1
            wave = Wave.objects.create(
                number=number,
                quota=600_000,
                opens_at=now - timedelta(hours=1),
                # A hard deadline like wave 12's: noon WIB, three days from now.
                closes_at=timezone.localtime(now + timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0),
            )
            try:
                wave = open_wave(wave=wave, by=staff)
            except WaveError as exc:
                self.stderr.write(str(exc))
        self.stdout.write(self.style.SUCCESS(f"Open wave: {wave.number}, closes {timezone.localtime(wave.closes_at):%Y-%m-%d %H:%M} WIB"))
        self.stdout.write(self.style.SUCCESS(f"Staff login: {STAFF_EMAIL} / {STAFF_PASSWORD}  at http://127.0.0.1:8000/admin/"))
