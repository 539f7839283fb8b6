"""Messages rendered in whichever language asks: the active one on pages, Indonesian then English on the command line.

An error raised deep in a service is shown on an admin page in the staff member's language and by a management
command in both languages, so it keeps its translatable template and parameters instead of a finished string.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise

# The command line's languages, in order: Indonesian first, English too.
COMMAND_LINE_LANGUAGES = ("id", "en")


def render(message, params: dict | None = None, *, language: str | None = None) -> str:
    """The message in `language` (default: the active one), with lazily translated parameters translated too."""
    with translation.override(language) if language else nullcontext():
        text = str(message)
        if params:
            text = text % {key: str(value) if isinstance(value, Promise) else value for key, value in params.items()}
    return text


def bilingual(message, params: dict | None = None) -> str:
    """'<Indonesian> / <English>', or one text where both are the same (a bare file name, say)."""
    texts = dict.fromkeys(render(message, params, language=language) for language in COMMAND_LINE_LANGUAGES)
    return " / ".join(texts)


class TranslatableError(Exception):
    """An error built from a gettext_lazy template and its parameters; str() renders it in the active language."""

    def __init__(self, message, **params) -> None:
        super().__init__(message)
        self.message, self.params = message, params

    def __str__(self) -> str:
        return render(self.message, self.params)

    def bilingual(self) -> str:
        return bilingual(self.message, self.params)


@dataclass(frozen=True)
class Statement:
    """What a staff action will do, with its figures: shown on an admin confirmation page (str(), the active
    language) and by a command before it asks (.bilingual())."""

    message: object
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self.message, self.params)

    def bilingual(self) -> str:
        return bilingual(self.message, self.params)
