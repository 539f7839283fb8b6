"""The development console prints account e-mails whole, with links on one line, and one line per notification."""
from __future__ import annotations

import io

from django.core import mail

from prakerja.lib.mail import BULK_HEADER, ConsoleBackend

LINK = "http://127.0.0.1:8000/verifikasi/" + "x" * 150 + "/"


def _printed(message: mail.EmailMessage) -> str:
    stream = io.StringIO()
    ConsoleBackend(stream=stream).send_messages([message])
    return stream.getvalue()


def test_an_account_email_is_printed_whole_with_its_link_on_one_line():
    printed = _printed(mail.EmailMessage("Verifikasi", f"Buka:\n{LINK}\n", None, ["budi@example.com"]))
    assert LINK in printed.splitlines()  # openable as printed, not broken by quoted-printable


def test_a_notification_is_one_line():
    message = mail.EmailMessage("Hasil penyaringan gelombang 11", "..." * 500, None, ["siti@example.com"],
                                headers={BULK_HEADER: "result"})
    assert _printed(message) == "[notification result] to siti@example.com: Hasil penyaringan gelombang 11\n"
