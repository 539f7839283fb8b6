"""What every management command of the project shares: errors and argument checks in Indonesian, then English.

PMO operators read the command line in Indonesian first; English follows for the engineers beside them.
"""
from __future__ import annotations

import argparse
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from prakerja.lib import numbers
from prakerja.lib.messages import TranslatableError, bilingual  # noqa: F401 - bilingual is for the commands

# argparse words its own refusals in English; these are the ones an operator meets.
_ARGPARSE_ERRORS = [
    (re.compile(r"^the following arguments are required: (?P<names>.+)$"),
     _("These arguments are required: %(names)s.")),
    (re.compile(r"^unrecognized arguments: (?P<names>.+)$"), _("Unknown arguments: %(names)s.")),
    (re.compile(r"^argument (?P<name>\S+): expected one argument$"), _("The argument %(name)s needs a value.")),
    (re.compile(r"^argument (?P<name>\S+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)$"),
     _("The argument %(name)s does not accept %(value)s: use one of %(choices)s.")),
]


def command_error(message, **params) -> CommandError:
    """A CommandError worded in Indonesian, then English."""
    return CommandError(bilingual(message, params))


def refused(error: TranslatableError) -> CommandError:
    """A service's refusal, as a CommandError in Indonesian, then English."""
    return CommandError(error.bilingual())


def get_wave(number: int):
    """The wave with this number, or a CommandError naming the waves there are."""
    from registration.models import Wave

    wave = Wave.objects.filter(number=number).first()
    if wave is None:
        known = ", ".join(str(n) for n in Wave.objects.order_by("number").values_list("number", flat=True)) or "-"
        raise command_error(_("There is no wave %(number)s (waves: %(known)s)."), number=number, known=known)
    return wave


def staff_account(email: str):
    """The active staff account with this e-mail (case-insensitive), or a CommandError."""
    from registration.models import User

    user = User.objects.filter(email__iexact=email.strip(), is_staff=True, is_active=True).first()
    if user is None:
        raise command_error(_("--by %(email)s: there is no active staff account with this e-mail."), email=email)
    return user


def confirm(command: BaseCommand, statement, *, yes: bool) -> None:
    """Before an irreversible step: print what will happen (`statement.bilingual()`), then go on with --yes, ask
    on a terminal, and refuse (CommandError) without a terminal or on any answer but y/ya/yes."""
    import sys

    command.stdout.write(statement.bilingual())
    if yes:
        return
    if not sys.stdin.isatty():
        raise command_error(_("Not confirmed: add --yes to confirm without a terminal. Nothing changed."))
    answer = input(bilingual(_("Continue? [y/N] ")))
    if answer.strip().lower() not in ("y", "ya", "yes"):
        raise command_error(_("Not confirmed. Nothing changed."))


def add_yes(parser) -> None:
    parser.add_argument("--yes", action="store_true", help="confirm without asking (the statement is printed)")


def require_postgresql(command: str) -> None:
    """The benchmarks measure PostgreSQL: refuse to run on anything else."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise command_error(_("%(command)s needs PostgreSQL: set DATABASE_URL (make bench does)."), command=command)


def wave_number(value: str) -> int:
    """argparse type of a wave number: a whole number of at least 1."""
    if not (value.strip().isascii() and value.strip().isdigit()) or int(value) < 1:
        raise argparse.ArgumentTypeError(bilingual(
            _("“%(value)s” is not a wave number: give a whole number such as 12."), {"value": value}))
    return int(value)


def whole_number(value: str) -> int:
    """argparse type of a whole number (>= 0) read by numbers.parse_count: 600000, 600.000, 600,000 and 600_000
    are the same number; anything else is refused in Indonesian, then English."""
    try:
        return numbers.parse_count(value)
    except numbers.NumberError as exc:
        raise argparse.ArgumentTypeError(exc.bilingual()) from None


def positive_count(value: str) -> int:
    """argparse type of a count of at least 1 (rows, registrations), read like `whole_number`."""
    try:
        count = numbers.parse_count(value)
    except numbers.NumberError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(bilingual(
            _("“%(value)s” is not a count: give a whole number of at least 1."), {"value": value}))
    return count


def _translated(message: str) -> str:
    for pattern, template in _ARGPARSE_ERRORS:
        if match := pattern.match(message):
            return bilingual(template, match.groupdict())
    return message


class Command(BaseCommand):
    """BaseCommand whose argument errors are worded in Indonesian, then English, like its own errors."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        django_error = parser.error
        parser.error = lambda message: django_error(_translated(message))
        return parser
