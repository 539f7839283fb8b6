"""Development only: the current second-factor code of the demo staff account (or --email), so that `make run`
needs no phone. Refused with DEBUG off."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.second_factor import current_code


class Command(BaseCommand):
    help = "Development only: print the current authenticator code of the demo staff account."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="staf@prakerja.local")

    def handle(self, *args, email: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_otp runs only with DEBUG on (hanya untuk pengembangan).")
        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
        if device is None:
            raise CommandError(f"{email} has no authenticator: run load_demo first.")
        self.stdout.write(current_code(device))
