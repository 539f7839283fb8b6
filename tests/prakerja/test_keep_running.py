"""bin/keep-running (the Procfile's wrapper of worker and beat) restarts a process that exits, so that honcho
does not stop the whole `make run`, and stops cleanly on SIGTERM (honcho's Ctrl-C)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_restarts_a_command_that_dies_and_stops_on_sigterm(tmp_path):
    starts = tmp_path / "starts"
    wrapper = subprocess.Popen([str(ROOT / "bin" / "keep-running"), "sh", "-c", f"echo x >> {starts}; exit 3"],
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not starts.exists() or len(starts.read_text().split()) < 2):
        time.sleep(0.1)  # a real process restarting after its 2 s pause: polled, bounded
    assert starts.exists() and len(starts.read_text().split()) >= 2
    assert wrapper.poll() is None  # still running: honcho would not see an exit
    wrapper.send_signal(signal.SIGTERM)
    assert wrapper.wait(timeout=10) == 0
    assert "exited with status 3; restarting" in wrapper.stderr.read()


def test_honchos_sigterm_reaches_the_command_once_and_a_slow_one_is_stopped_within_five_seconds(tmp_path):
    """honcho signals the wrapper's whole process group and kills what is left after 5 s. The command runs in its
    own session: it hears the SIGTERM once, from the wrapper (a Celery worker's pool processes hear none, so they
    are not killed mid-task), and a command still busy after 3 s gets SIGQUIT (Celery: stop at once)."""
    import sys

    heard, pid = tmp_path / "heard", tmp_path / "pid"
    # Python, as Celery is: a shell cannot trap SIGQUIT, which a background job of a script starts ignoring.
    command = ("import signal, sys, time\n"
               f"def note(what): open({str(heard)!r}, 'a').write(what + ' ')\n"
               "signal.signal(signal.SIGTERM, lambda *_: note('TERM'))\n"
               "signal.signal(signal.SIGQUIT, lambda *_: (note('QUIT'), sys.exit(0)))\n"
               f"open({str(pid)!r}, 'w').write(str(__import__('os').getpid()))\n"
               "note('started')\n"
               "while True: time.sleep(0.1)\n")
    wrapper = subprocess.Popen([str(ROOT / "bin" / "keep-running"), sys.executable, "-c", command],
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not heard.exists():
            time.sleep(0.1)  # the command starting: polled, bounded
        os.killpg(wrapper.pid, signal.SIGTERM)  # what honcho does on Ctrl-C
        started = time.monotonic()
        assert wrapper.wait(timeout=10) == 0
        assert time.monotonic() - started < 5  # before honcho's SIGKILL
        assert heard.read_text().split() == ["started", "TERM", "QUIT"]
    finally:  # nothing left behind, whatever failed: the wrapper's group and the command's own session
        for group in (wrapper.pid, *([int(pid.read_text())] if pid.exists() else [])):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
