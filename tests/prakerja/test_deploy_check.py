"""`manage.py check --deploy` is clean with production settings, and flags the development keys whatever DEBUG says."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from prakerja.checks import development_key_problems

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("SECRET_KEY", "DIGEST_KEY", "SEED_ENCRYPTION_KEY")


def _check_deploy(tmp_path, **environment) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DEBUG", "ALLOWED_HOSTS", *KEYS, "EMAIL_URL", "SECURE_HSTS_SECONDS")}
    env.update(DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused", CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
               CACHE_URL="rediscache://127.0.0.1:6379/1", EMAIL_URL="smtp+tls://mailer:secret@mail.example:587",
               **environment)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _production(**overrides) -> dict:
    return {"DEBUG": "False", "ALLOWED_HOSTS": "daftar.prakerja.go.id",
            **{key: secrets.token_urlsafe(48) for key in KEYS}, **overrides}


def test_it_is_clean_with_production_settings(tmp_path):
    result = _check_deploy(tmp_path, **_production())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("key", KEYS)
def test_it_flags_a_development_key_even_in_debug(tmp_path, key):
    result = _check_deploy(tmp_path, DEBUG="True")  # every key falls back to its development default
    assert result.returncode != 0
    assert f"{key} is a development key" in result.stderr


@pytest.mark.parametrize("value", ["dev-only-seed-key-change-me-in-production", "short", "dev-only" + "x" * 60])
def test_it_refuses_known_or_short_keys(value):
    problems = development_key_problems(keys={"SEED_ENCRYPTION_KEY": value, "SECRET_KEY": "s" * 48})
    assert [(problem.id, problem.msg.split(" ")[0]) for problem in problems] == [("prakerja.E002", "SEED_ENCRYPTION_KEY")]
