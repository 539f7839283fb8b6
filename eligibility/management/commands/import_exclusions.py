"""`python manage.py import_exclusions CATEGORY FILE`: load a list file too large to upload."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from eligibility.lists import ListFileError, load_exclusion_list
from eligibility.models.lists import ListCategory
from registration.models import User


class Command(BaseCommand):
    help = (
        "Load a CSV file (header with a 'nik' column; the prior_awardee list may add 'kk') as the new list of "
        "CATEGORY. It replaces the category's list atomically once fully loaded. Categories: "
        + ", ".join(ListCategory.values)
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("category", help="one of: " + ", ".join(ListCategory.values))
        parser.add_argument("file", help="path of the CSV file (UTF-8)")
        parser.add_argument("--by", metavar="EMAIL", help="the staff account to record as having loaded the list")

    def handle(self, *args, category: str, file: str, by: str | None = None, **options) -> None:
        if category not in ListCategory.values:
            raise CommandError(f"Unknown category '{category}'. Valid categories: {', '.join(ListCategory.values)}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"File not found: {path}")
        user = None
        if by:
            user = User.objects.filter(email__iexact=by, is_staff=True).first()
            if user is None:
                raise CommandError(f"No staff account with the e-mail address {by}")
        try:
            version = load_exclusion_list(category=category, path_or_file=path, file_name=path.name, by=user)
        except ListFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {path.name} as {version} (now active)"))
        self.stdout.write(f"  lines read:      {version.line_count:>12,}")
        self.stdout.write(f"  rows loaded:     {version.row_count:>12,}")
        self.stdout.write(f"  duplicate rows:  {version.duplicate_count:>12,}")
        self.stdout.write(f"  bad rows:        {version.bad_row_count:>12,}")
        if version.bad_row_count:
            self.stdout.write("  (line numbers and reasons: download them from the exclusion list's admin page)")
