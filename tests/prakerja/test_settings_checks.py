import pytest

from prakerja.checks import production_problems, production_settings

PRODUCTION = {
    "debug": False,
    "digest_key": "k" * 48,
    "database_engine": "django.db.backends.postgresql",
    "broker_url": "redis://127.0.0.1:6379/0",
    "cache_backend": "django.core.cache.backends.redis.RedisCache",
}


def _ids(**overrides) -> set[str]:
    return {problem.id for problem in production_problems(**{**PRODUCTION, **overrides})}


def test_it_accepts_production_settings():
    assert _ids() == set()


def test_it_flags_development_defaults_in_production():
    assert _ids(
        digest_key="dev-only-digest-key-change-me-in-production",
        database_engine="django.db.backends.sqlite3",
        broker_url="filesystem://",
        cache_backend="django.core.cache.backends.locmem.LocMemCache",
    ) == {"prakerja.E001", "prakerja.W001", "prakerja.W002", "prakerja.W003"}
    assert _ids(broker_url="sqla+sqlite:///var/celery-broker.sqlite3") == {"prakerja.W002"}


def test_it_refuses_a_short_digest_key():
    assert _ids(digest_key="short") == {"prakerja.E001"}


def test_it_stays_quiet_in_development():
    assert _ids(debug=True, digest_key="x", database_engine="django.db.backends.sqlite3") == set()


def test_it_reads_the_running_settings(settings):
    settings.DEBUG = False
    settings.DIGEST_KEY = "short"
    assert "prakerja.E001" in {problem.id for problem in production_settings(None)}


def _start_django(tmp_path, **environment) -> "subprocess.CompletedProcess":
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {key: value for key, value in os.environ.items()
           if key not in ("DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "DIGEST_KEY", "SEED_ENCRYPTION_KEY")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}", **environment)
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_deployment_that_names_its_hosts_must_say_debug_false(tmp_path):
    forgot = _start_django(tmp_path, ALLOWED_HOSTS="www.prakerja.go.id")
    assert forgot.returncode != 0 and "ALLOWED_HOSTS is set but DEBUG is not" in forgot.stderr
    production = _start_django(tmp_path, ALLOWED_HOSTS="www.prakerja.go.id", DEBUG="False",
                               SECRET_KEY="s" * 50, DIGEST_KEY="d" * 48, SEED_ENCRYPTION_KEY="e" * 48)
    assert production.returncode == 0 and "started" in production.stdout, production.stderr
    # Development stays zero set-up: no variable at all is needed.
    assert "started" in _start_django(tmp_path).stdout


def test_the_example_environment_file_lists_every_setting_and_can_be_copied_to_env(tmp_path):
    """`cp .env.example .env` must give a working development setup, and every variable settings.py reads must
    be documented there."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_][A-Z0-9_]*)"', (root / "prakerja/settings.py").read_text()))
    documented = set(re.findall(r"^#? ?([A-Z_][A-Z0-9_]*)=", example, re.M))
    assert read - documented == set()
    # Loaded the way settings.py loads .env (django-environ), in a clean process, with nothing else set.
    script = (
        "import environ, os; environ.Env.read_env(os.environ['EXAMPLE']);"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'prakerja.settings');"
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.DEBUG, settings.DATABASES['default']['CONN_MAX_AGE'], settings.CLIENT_IP_META_KEY)"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "EXAMPLE": str(root / ".env.example"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "0", "REMOTE_ADDR"]


def test_the_former_name_of_the_client_address_setting_still_works(tmp_path):
    """Deployments that followed the README's RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP keep their proxy set-up."""
    import subprocess
    import sys
    from pathlib import Path

    script = "import django; django.setup(); from django.conf import settings; print(settings.CLIENT_IP_META_KEY)"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP",
           "DJANGO_SETTINGS_MODULE": "prakerja.settings", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["HTTP_X_REAL_IP"], result.stderr


def test_the_running_settings_are_in_range():
    from prakerja.checks import settings_in_range

    assert settings_in_range(None) == []


def _range_ids(**values) -> list[str]:
    from django.conf import settings

    from prakerja.checks import RANGES, RATES, range_problems

    current = {name: getattr(settings, name, 0) for name, _low, _high in RANGES}
    current["CONN_MAX_AGE"] = 0
    rates = {name: getattr(settings, name) for name in RATES}
    rates.update({k: v for k, v in values.items() if k in RATES})
    current.update({k: v for k, v in values.items() if k not in RATES})
    return [problem.id for problem in range_problems(values=current, rates=rates)]


@pytest.mark.parametrize("values", [
    {"SCREENING_PARTITIONS": 0}, {"SCREENING_PARTITIONS": 257}, {"SCREENING_PARTITIONS": -8},
    {"SCREENING_STALE_AFTER": 0}, {"EXCLUSION_LIST_STALE_AFTER": 5}, {"EXCLUSION_LIST_MAX_UPLOAD_MB": 0},
    {"EXCLUSION_LIST_DIGEST_PROCESSES": -1}, {"JOKI_IP_MIN_ACCOUNTS": 1}, {"JOKI_PHONE_MIN_NUMBERS": 0},
    {"JOKI_WINDOW_MINUTES": 0}, {"COMPLAINT_MAX_UPLOAD_BYTES": 0}, {"COMPLAINT_EVIDENCE_RETENTION_DAYS": 0},
    {"AXES_FAILURE_LIMIT": 0}, {"CONN_MAX_AGE": -1}, {"REPORT_SYNC_MAX_REGISTRATIONS": -1},
    {"SCREENING_PARTITIONS": "8"}, {"SCREENING_PARTITIONS": None},
])
def test_a_value_out_of_range_fails_the_check_instead_of_being_clamped(values):
    assert _range_ids(**values) == ["prakerja.E020"]


@pytest.mark.parametrize("values", [
    {"SCREENING_PARTITIONS": 1}, {"SCREENING_PARTITIONS": 256}, {"EXCLUSION_LIST_DIGEST_PROCESSES": None},
    {"EXCLUSION_LIST_DIGEST_PROCESSES": 0}, {"REPORT_SYNC_MAX_REGISTRATIONS": 0}, {"CONN_MAX_AGE": 60},
    {"COMPLAINT_RATE_LIMIT": "100/15m"},
])
def test_values_at_the_edges_of_their_range_pass(values):
    assert _range_ids(**values) == []


@pytest.mark.parametrize("rate", ["5", "0/h", "5/y", "five/h", "", None])
def test_an_unreadable_rate_fails_the_check(rate):
    assert _range_ids(COMPLAINT_RATE_LIMIT=rate) == ["prakerja.E021"]


def test_services_read_the_setting_itself_with_no_clamp(settings):
    from eligibility.screening.services import partition_count

    settings.SCREENING_PARTITIONS = 3
    assert partition_count() == 3


def test_code_reads_settings_directly_with_no_second_default():
    """Defaults live only in settings.py: no getattr(settings, NAME, default) anywhere in the project's code."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root)) for app in ("prakerja", "registration", "eligibility", "reports", "complaints")
        for path in (root / app).rglob("*.py")
        if re.search(r"getattr\(\s*settings\s*,\s*[\"'][A-Z_]+[\"']\s*,", path.read_text())
    ]
    assert offenders == []


def test_importing_settings_creates_no_folder(tmp_path):
    """A copy of settings.py imported from an empty project folder leaves the folder empty."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "prakerja").mkdir()
    shutil.copy(root / "prakerja" / "settings.py", tmp_path / "prakerja" / "settings.py")
    (tmp_path / "prakerja" / "__init__.py").write_text("")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", "import prakerja.settings"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    created = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "__pycache__" not in p.parts)
    assert created == ["prakerja", "prakerja/__init__.py", "prakerja/settings.py"]
