"""A local SMTP sink (aiosmtpd) for the notifications benchmark and the outbox's end-to-end tests.

`Sink(port=...)` runs the server in a thread of the calling process and records every accepted message as
(recipient, subject) (or only counts them, `record=False`, for a million messages). Failure modes a mail
server has, for the tests:
- `refuse_first=n`: the first n DATA commands are answered "451 try again later" (the message is not taken);
- `stall_after=n`: after n accepted messages, the next DATA waits without an answer until `release()`, when
  it is answered 451 and not recorded (the worker is killed while it waits).

`python -m benchmarks.smtpsink PORT` runs a counting sink in its own process until SIGTERM (the benchmark
uses that, so the sink's work is not in the measured process's time or memory).
"""
from __future__ import annotations

import asyncio
import email
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


class Sink:
    def __init__(self, *, port: int, record: bool = True, refuse_first: int = 0, stall_after: int | None = None):
        self.port = port
        self.record = record
        self.refusals_left = refuse_first
        self.stall_after = stall_after
        self.received: list[tuple[str, str]] = []
        self.count = 0
        self.refused = 0
        self._lock = threading.Lock()
        self._stalled = threading.Event()  # set when a DATA is held
        self._release = threading.Event()
        self._controller = Controller(self, hostname=HOST, port=port)

    # aiosmtpd's handler hook: runs in the server's event loop thread.
    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            if self.refusals_left > 0:
                self.refusals_left -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            stall = self.stall_after is not None and self.count >= self.stall_after
        if stall:  # one message at a time is held: the sender waits for the answer
            self._stalled.set()
            while not self._release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        with self._lock:
            self.count += 1
            if self.record:
                subject = email.message_from_bytes(envelope.content).get("Subject", "")
                self.received.extend((rcpt, subject) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    def wait_stalled(self, timeout: float) -> bool:
        return self._stalled.wait(timeout)

    def release(self) -> None:
        """Answer the held message "try later"; later messages are taken as usual."""
        with self._lock:
            self.stall_after = None
        self._release.set()

    def start(self) -> Sink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self.release()
        self._controller.stop()

    def __enter__(self) -> Sink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def free_port(first: int, last: int) -> int:
    """The first port in [first, last] nobody listens on (the sinks' ports are handed out per engineer)."""
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})  # before the server's thread starts
    sink = Sink(port=int(sys.argv[1]), record=False).start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    sink.stop()
    print(sink.count, flush=True)
