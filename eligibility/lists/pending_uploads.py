"""An uploaded list file kept (under the list upload folder, outside the web root) while staff confirm replacing the
list: `keep` returns a signed token naming it, `take` opens it once for the staff member who uploaded it."""
from __future__ import annotations

import contextlib
import os
import shutil
import uuid

from django.core import signing
from django.utils.translation import gettext_lazy as _

from eligibility.lists.services import upload_dir
from prakerja.lib.messages import TranslatableError

_SALT = "eligibility.lists.pending-upload"
MAX_AGE = 3600  # seconds a confirmation page stays valid


class Expired(TranslatableError):
    """The confirmation is too old, forged, someone else's, or was used already."""


def keep(upload, *, category: str, file_name: str, user) -> str:
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"pending-{uuid.uuid4().hex}.csv"
    upload.seek(0)
    with open(folder / name, "wb") as out:
        shutil.copyfileobj(upload, out, 1 << 20)
    os.chmod(folder / name, 0o600)
    return signing.dumps({"name": name, "category": category, "file_name": file_name, "user": user.pk}, salt=_SALT)


@contextlib.contextmanager
def take(token: str, *, user):
    """Yields (open file, category, file name); the kept file is removed afterwards, whatever happens."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        raise Expired(_("This confirmation is no longer valid: upload the file again.")) from None
    path = upload_dir() / os.path.basename(str(data.get("name", "")))
    if data.get("user") != user.pk or not path.is_file():
        raise Expired(_("This confirmation is no longer valid: upload the file again."))
    try:
        with open(path, "rb") as file:
            yield file, data["category"], data["file_name"]
    finally:
        path.unlink(missing_ok=True)
