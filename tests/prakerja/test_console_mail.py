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


def _notification(to: str, subject: str = "Hasil penyaringan gelombang 11", kind: str = "result"):
    return mail.EmailMessage(subject, "...", None, [to], headers={BULK_HEADER: kind})


def test_a_drain_batch_of_notifications_is_one_line_per_kind_and_subject():
    """What the drainer does (open, one message at a time, close): 120 result e-mails of the demo's wave 11 and a
    selection e-mail are three lines, printed when the batch ends, not 121 that push the links off the screen."""
    stream = io.StringIO()
    backend = ConsoleBackend(stream=stream)
    backend.open()
    for i in range(1, 121):
        backend.send_messages([_notification(f"peserta{i}@demo.prakerja.local")])
    backend.send_messages([_notification("budi@example.com", "Hasil undian gelombang 11", kind="selection")])
    backend.send_messages([_notification("siti@example.com", "Hasil penyaringan gelombang 12")])
    assert stream.getvalue() == ""
    backend.close()
    assert stream.getvalue().splitlines() == [
        "[notification result] 120 x to peserta1@demo.prakerja.local ... peserta120@demo.prakerja.local: "
        "Hasil penyaringan gelombang 11",
        "[notification selection] to budi@example.com: Hasil undian gelombang 11",
        "[notification result] to siti@example.com: Hasil penyaringan gelombang 12",
    ]


def test_an_account_email_in_a_batch_is_printed_at_once_and_whole():
    stream = io.StringIO()
    backend = ConsoleBackend(stream=stream)
    backend.open()
    backend.send_messages([mail.EmailMessage("Verifikasi", f"Buka:\n{LINK}\n", None, ["budi@example.com"])])
    assert LINK in stream.getvalue().splitlines()
    backend.close()
    backend.close()  # a second close prints nothing more
    assert stream.getvalue().count(LINK) == 1
