"""Settings for the Kartu Prakerja registration system.

Every value comes from the environment (see .env.example); the defaults make a fresh checkout run
on SQLite and an embedded Celery broker (SQLAlchemy on a SQLite file) with no server to install.
"""
import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
# Files the product writes (SQLite database, uploads, beat schedule, embedded broker). Importing settings creates
# no folder: each is created where its files are written (prakerja.apps for the SQLite databases' folder).
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)
if "DEBUG" not in os.environ and "ALLOWED_HOSTS" in os.environ:
    # Development is the default, and a development server shows every POST (NIK, KK, phone) on its error pages
    # and falls back to the published dev keys. A deployment names its hosts: it must also say DEBUG=False.
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is set but DEBUG is not: set DEBUG=False for production (DEBUG=True only for a development "
        "server on those hosts). / ALLOWED_HOSTS diisi tetapi DEBUG tidak: isi DEBUG=False untuk produksi."
    )
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key-change-me-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")  # required: fails fast when missing
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form whose token went stale (the page was opened before a sign-in or sign-out elsewhere) gets the site's page
# saying to reload it, in the visitor's language, instead of Django's bare one.
CSRF_FAILURE_VIEW = "prakerja.views.csrf_failure"

# The one official address, shown on every page's warning about fake sites and joki.
OFFICIAL_SITE_URL = env.str("OFFICIAL_SITE_URL", default="https://www.prakerja.go.id")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Keyed digests of NIK, KK, IP address and user agent (HMAC-SHA256, first 128 bits). Exclusion lists
# store only these, never the NIK. Changing the key invalidates every stored digest: reload the lists.
if DEBUG:
    DIGEST_KEY = env.str("DIGEST_KEY", default="dev-only-digest-key-change-me-in-production")
else:
    DIGEST_KEY = env.str("DIGEST_KEY")

# The key that seals each wave's lottery seed at rest (prakerja.lib.sealing): a copy of the database without it
# does not reveal a seed before the draw. Required in production (prakerja.checks flags the development value).
if DEBUG:
    SEED_ENCRYPTION_KEY = env.str("SEED_ENCRYPTION_KEY", default="dev-only-seed-key-change-me-in-production")
else:
    SEED_ENCRYPTION_KEY = env.str("SEED_ENCRYPTION_KEY")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "simple_history",
    # The staff second factor: TOTP authenticator apps and single-use recovery codes (staff.second_factor).
    "django_otp",
    "staff.apps.OTPTotpConfig",  # django_otp.plugins.otp_totp, named in the reader's language
    "staff.apps.OTPStaticConfig",  # django_otp.plugins.otp_static, likewise
    "prakerja",
    "registration",
    "eligibility",
    "reports",
    "complaints",
    "notifications",
    "aftercare",
    "staff",
]
# The benchmark commands (make bench) are development tools: not installed, so not listed by
# `manage.py help`, in production.
BENCHMARKS = env.bool("BENCHMARKS", default=DEBUG)
if BENCHMARKS:
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (SECURE_CSP below).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Indonesian unless the user chose English (language switch) or the browser asks for it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads (and so parses and stores) the body: oversized uploads are refused unread.
    "prakerja.middleware.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every staff page needs a second factor verified in this session (enrolment on first login). Not django-otp's
    # OTPMiddleware: it would overwrite User.is_verified (the e-mail verification) with a method.
    "staff.middleware.require_second_factor",
    "django.contrib.messages.middleware.MessageMiddleware",
    # No shared or browser cache keeps a signed-in page or a file (personal data): Cache-Control: no-store.
    "prakerja.middleware.no_store_for_signed_in",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware must be last: it turns a locked-out login into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "prakerja.urls"
WSGI_APPLICATION = "prakerja.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "prakerja.context_processors.site",
            ],
            # {{ moment|wib }} in every template: times are shown one way (prakerja.lib.timefmt).
            "builtins": ["prakerja.templatetags.timefmt"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# The join's statements are prepared once per PostgreSQL connection (prakerja.lib.prepared). Off behind a pooler in
# transaction mode, which hands a session's statements to other server connections.
PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real Celery worker process started by a test sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default=str(VAR_DIR / "test.sqlite3"))}
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registration.User"

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    # Public pages' few-second cache (registration.public_pages.PUBLIC_PAGE_SECONDS): public data only, in each process,
    # so a page served from it costs no round trip at the deadline surge.
    "public": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public-pages"},
}
# Sessions read from the cache (Redis in production), written through to the database: no query per request at
# the deadline surge, and still revocable on the server (logout, password change), unlike signed cookies, which
# stay valid until they expire once copied. A per-process cache (locmem) would let one process keep serving a
# session another deleted, so without a shared cache sessions stay in the database alone.
SESSION_ENGINE = ("django.contrib.sessions.backends.db" if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
                  else "django.contrib.sessions.backends.cached_db")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the applicant profile with the user: one query fewer on every applicant page.
    "registration.backends.UserWithApplicantBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "registration:login"
# The name authenticator apps show beside a staff member's codes.
OTP_TOTP_ISSUER = "Kartu Prakerja PMO"
LOGIN_REDIRECT_URL = "registration:dashboard"
LOGOUT_REDIRECT_URL = "registration:landing"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3

# Login throttling (django-axes): lock an e-mail + IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are kept in PostgreSQL, not the cache: login throttling keeps working while Redis is down.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# On top of axes' pair lock (registration.services.login_wait, from axes' records): per account, after this many
# failures from any address, one attempt per LOGIN_ACCOUNT_DELAY_SECONDS (a slow-down, never a lock-out); per
# address, failures on this many different accounts stop the address for AXES_COOLOFF_TIME (high: carrier NAT).
LOGIN_ACCOUNT_SLOWDOWN_AFTER = env.int("LOGIN_ACCOUNT_SLOWDOWN_AFTER", default=10)
LOGIN_ACCOUNT_DELAY_SECONDS = env.int("LOGIN_ACCOUNT_DELAY_SECONDS", default=60)
LOGIN_ADDRESS_MAX_ACCOUNTS = env.int("LOGIN_ADDRESS_MAX_ACCOUNTS", default=20)
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no start-up banner on every management command
# The client's address (prakerja.lib.http.client_ip, whose docstring says what absent or garbage values give):
# the request.META key it is read from. Behind a reverse proxy, the header the proxy itself sets to the one
# client address (HTTP_X_REAL_IP); without one, every client behind the proxy would share one rate limit, one
# lock-out and one IP digest. RATELIMIT_IP_META_KEY is this variable's former name, still read.
CLIENT_IP_META_KEY = env.str("CLIENT_IP_META_KEY", default=env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR"))
# The rate limits (django-ratelimit) and the login throttle (django-axes) both ask that one function.
RATELIMIT_IP_META_KEY = "prakerja.lib.http.throttle_key"
AXES_CLIENT_IP_CALLABLE = "prakerja.lib.http.throttle_key"

# Rate limits (django-ratelimit, through prakerja.lib.limits) use the default cache: Redis in production
# (CACHE_URL), so every web process counts against the same limit. What each does when Redis is unreachable
# is in prakerja.lib.limits and README. Per client (prakerja.lib.http.client_ip) limits are generous: a
# carrier's NAT puts many applicants behind one address at the deadline. Per inbox: canonical_email.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# django-ratelimit's own answer to a cache failure it survives; each limit's choice is in prakerja.lib.limits.
RATELIMIT_FAIL_OPEN = False
SIGNUP_RATE_PER_CLIENT = env.str("SIGNUP_RATE_PER_CLIENT", default="60/h")
SIGNUP_RATE_PER_INBOX = env.str("SIGNUP_RATE_PER_INBOX", default="5/h")
PASSWORD_RESET_RATE_PER_CLIENT = env.str("PASSWORD_RESET_RATE_PER_CLIENT", default="30/h")
PASSWORD_RESET_RATE_PER_INBOX = env.str("PASSWORD_RESET_RATE_PER_INBOX", default="5/h")
RESEND_VERIFICATION_RATE_PER_CLIENT = env.str("RESEND_VERIFICATION_RATE_PER_CLIENT", default="30/h")
RESEND_VERIFICATION_RATE_PER_INBOX = env.str("RESEND_VERIFICATION_RATE_PER_INBOX", default="5/h")
# Profile saves per account: the only form that may say "this NIK / phone is already used".
PROFILE_RATE_PER_ACCOUNT = env.str("PROFILE_RATE_PER_ACCOUNT", default="20/h")
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=["django_ratelimit.E003", "django_ratelimit.W001"])

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Deadlines are announced in WIB: the admin, forms and templates show and read times in it.
TIME_ZONE = "Asia/Jakarta"
# DATETIME_FORMAT (the admin's date columns) as prakerja.lib.timefmt writes times, with the zone named.
FORMAT_MODULE_PATH = ["prakerja.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads (complaint evidence) live outside the web root and are served to staff only, through a view.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "uploads")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Exclusion lists: uploads are kept outside the web root until loaded; big files use the import command.
EXCLUSION_LIST_MAX_UPLOAD_MB = env.int("EXCLUSION_LIST_MAX_UPLOAD_MB", default=512)
EXCLUSION_LIST_UPLOAD_DIR = Path(env.str("EXCLUSION_LIST_UPLOAD_DIR", default=str(VAR_DIR / "lists")))
# A load still "loading" after this many seconds with no live worker holding it is re-queued or failed.
EXCLUSION_LIST_STALE_AFTER = env.int("EXCLUSION_LIST_STALE_AFTER", default=600)
# Processes that digest a large list file (default: one per CPU, at most 4); files smaller than
# EXCLUSION_LIST_PARALLEL_MIN_BYTES are digested in the loading process.
EXCLUSION_LIST_DIGEST_PROCESSES = env.int("EXCLUSION_LIST_DIGEST_PROCESSES", default=None)
EXCLUSION_LIST_PARALLEL_MIN_BYTES = env.int("EXCLUSION_LIST_PARALLEL_MIN_BYTES", default=32 * 1024 * 1024)
# A load waits for a staff member's confirmation when more than this share of its lines are bad, or when
# it has this share fewer rows than the category's list in force (shares from 0 to 1; prakerja/checks.py).
EXCLUSION_LIST_MAX_BAD_SHARE = env.float("EXCLUSION_LIST_MAX_BAD_SHARE", default=0.01)
EXCLUSION_LIST_MAX_SHRINK = env.float("EXCLUSION_LIST_MAX_SHRINK", default=0.10)

# Screening: partitions per phase (each one Celery task, shared by every worker on every machine), and
# how long a claimed partition may go without finishing before the sweep re-queues it.
SCREENING_PARTITIONS = env.int("SCREENING_PARTITIONS", default=8)
SCREENING_STALE_AFTER = env.int("SCREENING_STALE_AFTER", default=300)

# Joki signals in the screening report: clusters above these thresholds are listed for staff review
# (never rejected automatically). A family sharing one connection stays below them.
JOKI_IP_MIN_ACCOUNTS = env.int("JOKI_IP_MIN_ACCOUNTS", default=10)
JOKI_DEVICE_MIN_ACCOUNTS = env.int("JOKI_DEVICE_MIN_ACCOUNTS", default=3)
JOKI_WINDOW_MINUTES = env.int("JOKI_WINDOW_MINUTES", default=60)
JOKI_PHONE_MIN_NUMBERS = env.int("JOKI_PHONE_MIN_NUMBERS", default=5)
JOKI_PHONE_SPAN = env.int("JOKI_PHONE_SPAN", default=20)
# Waves above this size get their report summary built by a Celery task instead of in the request.
REPORT_SYNC_MAX_REGISTRATIONS = env.int("REPORT_SYNC_MAX_REGISTRATIONS", default=200_000)

# Staff searches for people by NIK, phone or e-mail, and openings of lists of people, per staff member
# (staff.lookups): enough for helpdesk work, far too few to rebuild a masked NIK digit by digit.
STAFF_SEARCH_RATE_LIMIT = env.str("STAFF_SEARCH_RATE_LIMIT", default="30/h")
STAFF_LIST_RATE_LIMIT = env.str("STAFF_LIST_RATE_LIMIT", default="600/h")

# Complaints (pengaduan): evidence uploads and abuse limits.
COMPLAINT_MAX_UPLOAD_BYTES = env.int("COMPLAINT_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
COMPLAINT_MAX_EVIDENCE_FILES = env.int("COMPLAINT_MAX_EVIDENCE_FILES", default=3)
COMPLAINT_MAX_IMAGE_PIXELS = env.int("COMPLAINT_MAX_IMAGE_PIXELS", default=40_000_000)
COMPLAINT_RATE_LIMIT = env.str("COMPLAINT_RATE_LIMIT", default="5/h")
COMPLAINT_LOOKUP_RATE_LIMIT = env.str("COMPLAINT_LOOKUP_RATE_LIMIT", default="20/h")
# Receipt e-mails one reporter inbox gets in 24 hours: the form takes any address, so a stranger could
# otherwise flood a victim's inbox with receipts from many client addresses.
COMPLAINT_RECEIPTS_PER_INBOX_PER_DAY = env.int("COMPLAINT_RECEIPTS_PER_INBOX_PER_DAY", default=3)
COMPLAINT_MIN_FILL_SECONDS = env.int("COMPLAINT_MIN_FILL_SECONDS", default=3)
COMPLAINT_FORM_MAX_AGE = env.int("COMPLAINT_FORM_MAX_AGE", default=24 * 60 * 60)
# PDP law: evidence (screenshots, transfer receipts, police reports) is kept only as long as it serves the case.
COMPLAINT_EVIDENCE_RETENTION_DAYS = env.int("COMPLAINT_EVIDENCE_RETENTION_DAYS", default=365)

# After the draw (docs/DOMAIN.md): days after the screening result in which an ineligible applicant may appeal
# (0 turns appeals off), and days after the selection (or a promotion) to start the first training.
APPEAL_WINDOW_DAYS = env.int("APPEAL_WINDOW_DAYS", default=3)
TRAINING_DEADLINE_DAYS = env.int("TRAINING_DEADLINE_DAYS", default=30)

# E-mail: one URL (django-environ) turned into Django 6.1's MAILERS. The default prints messages in the
# terminal that runs `make run`, where a developer reads the verification link.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_backend = _email.pop("EMAIL_BACKEND")
if _email_backend == "django.core.mail.backends.console.EmailBackend":
    # Prints bodies as written (8bit), not quoted-printable: a long link stays on one line (prakerja.lib.mail).
    _email_backend = "prakerja.lib.mail.ConsoleBackend"
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": {
            option: _email[key]
            for key, option in {
                "EMAIL_HOST": "host", "EMAIL_PORT": "port", "EMAIL_HOST_USER": "username",
                "EMAIL_HOST_PASSWORD": "password", "EMAIL_USE_TLS": "use_tls", "EMAIL_USE_SSL": "use_ssl",
                "EMAIL_TIMEOUT": "timeout", "EMAIL_FILE_PATH": "file_path",
            }.items()
            if _email.get(key) not in (None, "")
        },
    }
}
# The applicants' mail outbox (notifications app): messages a second on average, rows claimed per batch, and
# how long a batch the mail server refused waits before it is tried again.
NOTIFICATION_RATE = env.float("NOTIFICATION_RATE", default=50.0)
NOTIFICATION_BATCH = env.int("NOTIFICATION_BATCH", default=200)
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=60)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kartu Prakerja <noreply@prakerja.go.id>")

# Celery. The default broker is kombu's SQLAlchemy transport on a SQLite file under var/: no server needed, and
# each message is one row written in one transaction (the filesystem transport it replaces let a worker read a
# half-written message file and die with JSONDecodeError after minutes of `make run`).
# Production: CELERY_BROKER_URL=redis://... . Run state lives in the database, so there is no result backend.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
if CELERY_BROKER_URL.startswith("sqla+"):
    # Passed to SQLAlchemy's create_engine: web, worker and beat write the one file, so a writer waits for the
    # lock (up to 30 s) instead of failing with "database is locked".
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
else:
    # Redelivery after a lost worker happens after this timeout; partition tasks stay well inside it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
# The eligibility app keeps its tasks beside what they run (autodiscovery finds only <app>.tasks).
CELERY_IMPORTS = ["eligibility.lists.tasks", "eligibility.screening.tasks"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is redelivered, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Every how many seconds beat hands the task outbox (work stored while the broker was down) to the broker.
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=30)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # A wave closes at its deadline with no staff action; closing is idempotent.
    "close-due-waves": {"task": "eligibility.screening.tasks.close_due_waves", "schedule": 15.0},
    # Re-queue screening partitions whose worker vanished (SIGKILL, lost Redis queue).
    "requeue-stale-partitions": {"task": "eligibility.screening.tasks.requeue_stale_partitions", "schedule": 60.0},
    # Revoke recipients past their training deadline that the latest training-start import does not list.
    "revoke-past-training-deadline": {"task": "aftercare.tasks.revoke_past_training_deadline",
                                      "schedule": crontab(hour=3, minute=0)},
    # Hand tasks the broker refused (it was down) to it once it is back (prakerja.lib.outbox).
    "send-outbox": {"task": "prakerja.tasks.send_outbox", "schedule": float(OUTBOX_SWEEP_SECONDS)},
    # Delete the files of complaints closed longer ago than COMPLAINT_EVIDENCE_RETENTION_DAYS, nightly.
    # Resume the mail outbox after a worker died or the mail server was away (one drainer at a time).
    "drain-notifications": {"task": "notifications.tasks.drain_notifications", "schedule": 60.0},
    "remove-expired-evidence": {"task": "complaints.tasks.remove_expired_evidence",
                                "schedule": crontab(hour=2, minute=30)},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_on_one_line": {"()": "prakerja.lib.logfilters.ForbiddenOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own default sends the django logger to a console handler in DEBUG as well as to the root:
        # every "Not Found" and traceback was printed twice. One handler, the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["forbidden_on_one_line"]},  # a 403 without its traceback
    },
}

# Content-Security-Policy (Django's own, every response): scripts and styles only from our own static files,
# nothing inline (a nonce, {{ csp_nonce }}, for the rare exception), no plug-ins, no framing, forms post only here.
# An injected <script> or on*= handler does not run. The bars of the report charts are SVG, not style attributes.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # HSTS for the whole prakerja.go.id tree, long enough (a year) for the browsers' preload list.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
