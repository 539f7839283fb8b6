"""The development console mail backend, printing messages as a reader wants them in a terminal."""
from __future__ import annotations

import email.policy

from django.core.mail.backends import console

# RFC 5322's line limit: a body whose lines are shorter is printed 8bit, as written. With the default policy's 78
# characters, Django's console backend prints quoted-printable, which breaks a long link over lines ("=" + newline)
# so it cannot be opened as printed.
_POLICY = email.policy.default.clone(max_line_length=998)


# Set on the programme's bulk notifications (notifications.services.render): the console counts them, so a demo
# wave's hundreds of result e-mails do not bury the staff login, the links `make run` prints and the account
# e-mails whose links a developer follows.
BULK_HEADER = "X-Prakerja-Notification"


class ConsoleBackend(console.EmailBackend):
    """Account e-mails printed whole; bulk notifications counted: one line per kind and subject for each opened
    connection (a drain batch, notifications.services.send_batch: open, send each, close), printed at close().
    Sent without an open(), as send_mail does, a notification is printed at once, one line."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._bulk: dict[tuple[str, str], list[str]] | None = None  # (kind, subject): recipients, while open

    def open(self) -> bool:
        # True only for the open() that starts a batch: console.EmailBackend.send_messages then close()s it itself.
        if self._bulk is not None:
            return False
        self._bulk = {}
        return True

    def close(self) -> None:
        with self._lock:
            for (kind, subject), to in (self._bulk or {}).items():
                whom = to[0] if len(to) == 1 else f"{to[0]} ... {to[-1]}"
                count = "" if len(to) == 1 else f"{len(to)} x "
                self.stream.write(f"[notification {kind}] {count}to {whom}: {subject}\n")
            self.stream.flush()
            self._bulk = None

    def write_message(self, message) -> None:
        if message.extra_headers.get(BULK_HEADER):
            key = (message.extra_headers[BULK_HEADER], message.subject)
            self._bulk.setdefault(key, []).append(", ".join(message.to))
            return
        data = message.message(policy=_POLICY).as_bytes().decode("utf-8", errors="replace")
        self.stream.write(f"{data}\n")
        self.stream.write("-" * 79)
        self.stream.write("\n")
