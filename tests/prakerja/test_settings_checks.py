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


def test_it_refuses_a_short_digest_key():
    assert _ids(digest_key="short") == {"prakerja.E001"}


def test_it_stays_quiet_in_development():
    assert _ids(debug=True, digest_key="x", database_engine="django.db.backends.sqlite3") == set()


def test_it_reads_the_running_settings(settings):
    settings.DEBUG = False
    settings.DIGEST_KEY = "short"
    assert "prakerja.E001" in {problem.id for problem in production_settings(None)}
