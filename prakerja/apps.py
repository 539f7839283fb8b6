from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class PrakerjaConfig(AppConfig):
    name = "prakerja"
    verbose_name = "Kartu Prakerja"

    def ready(self) -> None:
        from prakerja import checks  # noqa: F401  (registers the settings checks)

        # SQLite creates its file but not a missing folder (var/ in a fresh clone): make the folder before the
        # first connection, here rather than at settings import, which must have no side effects.
        database = settings.DATABASES["default"]
        if database["ENGINE"] == "django.db.backends.sqlite3":
            for name in (database.get("NAME"), database.get("TEST", {}).get("NAME")):
                if name and str(name) != ":memory:" and not str(name).startswith("file:"):
                    Path(name).parent.mkdir(parents=True, exist_ok=True)
        # The embedded broker's SQLite file (sqla+sqlite:////abs/path or sqla+sqlite:///rel/path), likewise.
        broker = settings.CELERY_BROKER_URL
        if broker.startswith("sqla+sqlite:///") and broker != "sqla+sqlite:///:memory:":
            Path(broker.removeprefix("sqla+sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
