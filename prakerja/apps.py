from django.apps import AppConfig


class PrakerjaConfig(AppConfig):
    name = "prakerja"
    verbose_name = "Kartu Prakerja"

    def ready(self) -> None:
        from prakerja import checks  # noqa: F401  (registers the settings checks)
