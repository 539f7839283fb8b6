"""What replacing an exclusion list will do, stated before staff confirm it (the admin upload, import_exclusions)."""
from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from eligibility.models.lists import ExclusionList, ListCategory
from prakerja.lib.messages import Statement


def replacement_statement(*, category: str, file_name: str, size: int) -> Statement:
    """"Replace list X (now FILE, N rows, version #V) with NEW (SIZE)", or "Load NEW as the first list X"."""
    current = ExclusionList.objects.active().filter(category=category).order_by("-pk").first()
    params = {"list": ListCategory(category).label, "file": file_name, "size": filesizeformat(size)}
    if current is None:
        return Statement(_("Load %(file)s (%(size)s) as the first list “%(list)s”: once fully loaded, screenings "
                           "use it."), params)
    return Statement(_("Replace the list “%(list)s” (now %(old)s, %(rows)s rows, version #%(version)s) with %(file)s "
                       "(%(size)s): once fully loaded, screenings use the new file and the old version is retired."),
                     {**params, "old": current.file_name, "rows": current.row_count, "version": current.pk})
