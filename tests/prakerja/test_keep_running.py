"""bin/keep-running (the Procfile's wrapper of worker and beat) restarts a process that exits, so that honcho
does not stop the whole `make run`, and stops cleanly on SIGTERM (honcho's Ctrl-C)."""
from __future__ import annotations

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
