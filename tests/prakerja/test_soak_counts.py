"""`make soak` counts what beat sent and what the worker ran from the processes' output: every task of beat's
schedule, whatever it is (the count once missed the mail drainer and the task outbox sweep)."""
import io

from django.conf import settings

from prakerja.management.commands.soak import _read


def test_every_scheduled_task_that_ran_is_counted_and_nothing_else(tmp_path):
    lines = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        lines.append(f"beat.1 | Scheduler: Sending due task {name} ({entry['task']})\n")
        lines.append(f"worker.1 | Task {entry['task']}[0f1e2d3c-aaaa-bbbb-cccc-000000000000] succeeded in 0.01s: None\n")
    lines.append("worker.1 | Task eligibility.screening.tasks.screen_partition[1234] succeeded in 0.2s: None\n")
    lines.append("worker.1 | Traceback (most recent call last):\n")
    counts = {"beat_sent": 0, "beat_run": 0, "restarts": 0, "tracebacks": 0}
    _read(io.BytesIO("".join(lines).encode()), tmp_path / "processes.log", counts)
    assert counts == {"beat_sent": len(settings.CELERY_BEAT_SCHEDULE), "beat_run": len(settings.CELERY_BEAT_SCHEDULE),
                      "restarts": 0, "tracebacks": 1}
    assert (tmp_path / "processes.log").read_text() == "".join(lines)
