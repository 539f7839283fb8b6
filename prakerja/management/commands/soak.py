"""`make soak`: run `make run`'s processes (the Procfile, through honcho) for a while and count lost tasks.

While web, worker and beat run on the configured (by default embedded) broker, this process sends a steady
trickle of `prakerja.tasks.soak_ping` tasks, each of which appends its number to a file; beat keeps sending its
periodic tasks. At the end it waits for the queue to drain and prints tasks sent, run and lost, beat's due tasks
sent and run, worker restarts and tracebacks seen. Exit status 1 when a task was lost or a traceback was seen.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from prakerja.tasks import soak_ping


class Command(BaseCommand):
    help = "Run web + worker + beat (Procfile) for --seconds with a trickle of tasks; report sent, run, lost."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seconds", type=int, default=2 * 60 * 60, help="how long to run (default 2 h)")
        parser.add_argument("--per-minute", type=int, default=30, help="trickle tasks sent per minute")
        parser.add_argument("--port", type=int, default=8020, help="the web process's port")
        parser.add_argument("--drain", type=int, default=60, help="seconds to wait for the queue to drain")

    def handle(self, *args, seconds: int, per_minute: int, port: int, drain: int, **options) -> None:
        work = Path(settings.VAR_DIR) / "soak"
        work.mkdir(parents=True, exist_ok=True)
        ran_log, out_log = work / "ran.txt", work / "processes.log"
        ran_log.unlink(missing_ok=True)
        env = {**os.environ, "WEB_PORT": str(port), "CELERY_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
               "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
        honcho = subprocess.Popen([sys.executable, "-m", "honcho", "start", "-f", "Procfile"],
                                  cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        counts = {"beat_sent": 0, "beat_run": 0, "restarts": 0, "tracebacks": 0}
        reader = threading.Thread(target=_read, args=(honcho.stdout, out_log, counts), daemon=True)
        reader.start()
        self.stdout.write(f"Soak: {seconds} s, {per_minute} tasks/min, broker {_scheme(settings.CELERY_BROKER_URL)}; "
                          f"process output in {out_log}")
        sent, started = 0, time.monotonic()
        try:
            time.sleep(5)  # let the worker connect; tasks sent before it are queued anyway
            while time.monotonic() - started < seconds and honcho.poll() is None:
                soak_ping.delay(number=sent, log=str(ran_log))
                sent += 1
                if sent % max(1, per_minute * 10) == 0:
                    self.stdout.write(f"  {int(time.monotonic() - started)} s: sent {sent}, run {_ran(ran_log)}, "
                                      f"restarts {counts['restarts']}")
                time.sleep(60 / per_minute)
            deadline = time.monotonic() + drain
            while _ran(ran_log) < sent and time.monotonic() < deadline and honcho.poll() is None:
                time.sleep(1)
        finally:
            stopped_early = honcho.poll() is not None
            if not stopped_early:
                os.killpg(honcho.pid, signal.SIGTERM)
                try:
                    honcho.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(honcho.pid, signal.SIGKILL)
            reader.join(timeout=5)
        ran = _ran(ran_log)
        lost = sent - len(set(_numbers(ran_log)))
        self.stdout.write(
            f"Soak result after {int(time.monotonic() - started)} s: tasks sent {sent}, run {ran}, lost {lost}; "
            f"beat due tasks sent {counts['beat_sent']}, run {counts['beat_run']}; worker restarts "
            f"{counts['restarts']}; tracebacks {counts['tracebacks']}; site stopped early: {stopped_early}")
        if lost or counts["tracebacks"] or stopped_early:
            sys.exit(1)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0]  # never the credentials of a Redis URL


def _numbers(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _ran(path: Path) -> int:
    return len(_numbers(path))


_BEAT_SENT = re.compile(r"Scheduler: Sending due task")
# The tasks of beat's schedule (settings.CELERY_BEAT_SCHEDULE), not the screening tasks the demo wave also runs. A
# scheduled task may also run on an event's kick (the mail drainer), so "run" may exceed "sent".
_BEAT_RUN = re.compile(r"Task (" + "|".join(re.escape(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values())
                       + r")\[[^\]]+\] succeeded")


def _read(stream, log: Path, counts: dict) -> None:
    with log.open("w") as out:
        for raw in stream:
            line = raw.decode(errors="replace")
            out.write(line)
            counts["beat_sent"] += bool(_BEAT_SENT.search(line))
            counts["beat_run"] += bool(_BEAT_RUN.search(line))
            counts["restarts"] += "keep-running:" in line
            counts["tracebacks"] += "Traceback" in line
