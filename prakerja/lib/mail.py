"""The development console mail backend, printing messages as a reader wants them in a terminal."""
from __future__ import annotations

import email.policy

from django.core.mail.backends import console

# RFC 5322's line limit: a body whose lines are shorter is printed 8bit, as written. With the default policy's 78
# characters, Django's console backend prints quoted-printable, which breaks a long link over lines ("=" + newline)
# so it cannot be opened as printed.
_POLICY = email.policy.default.clone(max_line_length=998)


# Set on the programme's bulk notifications (notifications.services.render): the console shows one line for each,
# so a demo wave's hundreds of result e-mails do not bury the account e-mails whose links a developer follows.
BULK_HEADER = "X-Prakerja-Notification"


class ConsoleBackend(console.EmailBackend):
    def write_message(self, message) -> None:
        if message.extra_headers.get(BULK_HEADER):
            self.stream.write(f"[notification {message.extra_headers[BULK_HEADER]}] to {', '.join(message.to)}: "
                              f"{message.subject}\n")
            return
        data = message.message(policy=_POLICY).as_bytes().decode("utf-8", errors="replace")
        self.stream.write(f"{data}\n")
        self.stream.write("-" * 79)
        self.stream.write("\n")
