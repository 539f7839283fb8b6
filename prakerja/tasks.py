"""Platform tasks: the soak test's probe (prakerja/management/commands/soak.py)."""
from __future__ import annotations

import os
from pathlib import Path

from celery import shared_task


@shared_task(name="prakerja.tasks.soak_ping")
def soak_ping(*, number: int, log: str) -> None:
    """Appends `number` and a newline to the file `log`: one O_APPEND write, so concurrent worker processes do
    not interleave lines. The soak counts the lines to find tasks sent but never run."""
    path = Path(log)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{number}\n".encode())
    finally:
        os.close(fd)


@shared_task(name="prakerja.tasks.send_outbox")
def send_outbox() -> int:
    """Celery beat: hand the task outbox (prakerja.lib.outbox) to the broker; returns how many were sent."""
    from prakerja.lib import outbox

    return outbox.send_pending()
