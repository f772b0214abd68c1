"""Peixun settings. Every deployment-specific value comes from the environment (see README)."""

from pathlib import Path

import dj_database_url
import pghistory
from celery.schedules import crontab
from kombu import Exchange, Queue

from .env import env_bool, env_int, env_list, env_str
from .queues import DEFAULT as DEFAULT_QUEUE
from .queues import QUEUES

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PEIXUN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
# The insecure key only exists so `make run` works on a fresh clone; DEBUG=0 refuses it.
_DEV_SECRET = "dev-only-insecure-key-change-me"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's form templates, found by the project's engine so templates/django/forms/ can adjust them.
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "pgtrigger",
    "pghistory",
    "core",
    "accounts",
    "trainees",
    "programs",
    "attendance",
    "outreach",
    "specialed",
    "assessment",
    "reports",
    "certificates",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RejectMalformedInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.sessions.IdleSessionRenewalMiddleware",
    "core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.ExportUnitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# The embedded default is a SQLite file inside the project so `make run` needs no services.
if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'peixun.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# An optional streaming replica of the primary for reports and exports (core/replica.py). Tests
# mirror it onto the test database, so code paths that read from it run in every suite.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
USING_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.throttle.AddressLimitBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Teachers may also log in with their 身份证号 or 手机号.
    "accounts.backends.TeacherIdentifierBackend",
]
# The default first; the second only reads the generated initial passwords (see accounts/hashers.py).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "accounts.hashers.InitialPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions expire. The expiry slides with use, but the session row is rewritten at most once
# per SESSION_RENEW_SECONDS (core.sessions), not on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_RENEW_SECONDS = env_int("SESSION_RENEW_SECONDS", 60)
if not 0 <= SESSION_RENEW_SECONDS < SESSION_COOKIE_AGE:
    raise RuntimeError("SESSION_RENEW_SECONDS must be at least 0 and less than SESSION_IDLE_SECONDS")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And one address across all usernames (password spraying), with a higher bound since a school's
# staff share one address: accounts.throttle, counted from axes' records over the same cool-off.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
# Reverse proxies in front of the app (0: none). Login throttling and the QR check-in limits count
# per client address, read through core.client_ip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
# One failure count per account whichever identifier is typed, and no ID number in axes' records.
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded files are private: stored outside the static root and served only through scoped views.
# On several hosts, MEDIA_ROOT is a volume they all mount (the workers write what the web servers serve).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", "") or VAR_DIR / "media")
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: the import size cap is checked before any parsing.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# Files above this size are checked in a Celery task with progress instead of in the request.
IMPORT_INLINE_BYTES = env_int("IMPORT_INLINE_BYTES", 512 * 1024)
# Reading and checking one file may take this long before it is refused.
IMPORT_MAX_SECONDS = env_int("IMPORT_MAX_SECONDS", 60)
# Uploaded import files are kept this many days (administrators may download them again), then deleted.
IMPORT_KEEP_DAYS = env_int("IMPORT_KEEP_DAYS", 90)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000  # the attendance grid posts several fields per trainee

# Widgets render through the project's template engine: templates/django/forms/widgets/select_option.html
# makes Django's blank choice read 请选择.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# History tables are written with every enrolment change and read by the object and the context only
# (`pgh_obj`, `pgh_context`, indexed in programs.models): the foreign keys copied from the tracked
# model get no index of their own, six index entries less per place written.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)

# Celery: without a broker, tasks run in-process so the app works with no services.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Redis redelivers unacked tasks after this; it must exceed the longest task and any countdown.
# `make faults` lowers it (with short tasks) so a killed worker's export is redelivered in seconds.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 15 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TIMEZONE = TIME_ZONE
# One queue per kind of work (config/queues.py); a worker started without -Q consumes them all.
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in QUEUES]
CELERY_TASK_DEFAULT_QUEUE = DEFAULT_QUEUE
CELERY_TASK_ROUTES = ("config.queues.route_task",)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "peixun@localhost")
# Text messages (short notices to teachers' phones), chosen like EMAIL_BACKEND: see core/sms/.
SMS_BACKEND = env_str(
    "SMS_BACKEND", "core.sms.backends.console.SmsBackend" if DEBUG else "core.sms.backends.dummy.SmsBackend"
)
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms"))
SMS_HTTP_URL = env_str("SMS_HTTP_URL")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN")
SMS_HTTP_SIGN = env_str("SMS_HTTP_SIGN", "县教师发展中心")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)

# HTTPS hardening is on whenever DEBUG is off, unless a local single-machine run turns it off explicitly.
HTTPS = env_bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# Monitors probe the health check on loopback over plain HTTP; it carries no session or data.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Pages must satisfy this: no inline scripts, every asset served from this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO, fontTools each font subset.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Domain settings
# The address printed in the certificates' QR codes (the public verify page lives under it).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Look-ups allowed per client address on the public verify page within the window.
CERTIFICATE_VERIFY_LIMIT = env_int("CERTIFICATE_VERIFY_LIMIT", 30)
CERTIFICATE_VERIFY_WINDOW_SECONDS = env_int("CERTIFICATE_VERIFY_WINDOW_SECONDS", 600)
CERTIFICATE_IMAGE_MAX_BYTES = env_int("CERTIFICATE_IMAGE_MAX_BYTES", 2 * 1024 * 1024)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "peixun-demo-2026")
PAGE_SIZE = env_int("PAGE_SIZE", 50)
# Attendance locks this many days after a session; then only county staff change it, with a reason.
ATTENDANCE_LOCK_DAYS = env_int("ATTENDANCE_LOCK_DAYS", 7)
# QR check-in is open from this many minutes before a session until as many after it ends.
ATTENDANCE_QR_MARGIN_MINUTES = env_int("ATTENDANCE_QR_MARGIN_MINUTES", 30)
# The QR and typed codes on the check-in screen change this often (a code stays valid one more interval).
ATTENDANCE_QR_ROTATE_SECONDS = env_int("ATTENDANCE_QR_ROTATE_SECONDS", 30)
# How long a phone may take to fill the form after scanning (its ticket is single-use).
ATTENDANCE_QR_TICKET_SECONDS = env_int("ATTENDANCE_QR_TICKET_SECONDS", 600)
# Wrong answers allowed per (session, name) and, higher, per (session, address: one hall's Wi-Fi).
ATTENDANCE_QR_IDENTITY_FAILURES = env_int("ATTENDANCE_QR_IDENTITY_FAILURES", 5)
ATTENDANCE_QR_IP_FAILURES = env_int("ATTENDANCE_QR_IP_FAILURES", 60)
ATTENDANCE_QR_WINDOW_SECONDS = env_int("ATTENDANCE_QR_WINDOW_SECONDS", 600)
if ATTENDANCE_QR_ROTATE_SECONDS < 5:
    raise RuntimeError("ATTENDANCE_QR_ROTATE_SECONDS must be at least 5")
OUTREACH_UPLOAD_MAX_BYTES = env_int("OUTREACH_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)

# Reports: re-enqueue annual-summary exports whose message a broker restart lost (see reports.services).
REPORTS_STALE_QUEUED_SECONDS = env_int("REPORTS_STALE_QUEUED_SECONDS", 10 * 60)
# Fault drills only (`make faults`): seconds an export pauses after each sheet, so it can be caught mid-run.
REPORTS_EXPORT_STEP_DELAY = float(env_str("REPORTS_EXPORT_STEP_DELAY", "0") or 0)
CELERY_BEAT_SCHEDULE = {
    "reports-sweep-stale-exports": {"task": "reports.sweep_stale_exports", "schedule": 5 * 60},
    "certificates-sweep-stale-batches": {"task": "certificates.sweep_stale_batches", "schedule": 5 * 60},
    "core-expire-import-files": {"task": "core.expire_import_files", "schedule": 6 * 60 * 60},
    "programs-sweep-pending-notices": {"task": "programs.sweep_pending_notices", "schedule": 5 * 60},
    # 学分申报: claims whose 公示 ended yesterday are counted (daily 01:30).
    "assessment-finalise-claim-publicity": {
        "task": "assessment.finalise_claim_publicity",
        "schedule": crontab(minute=30, hour=1),
    },
    # Each workshop's weekly progress bulletin for its host (Monday 07:00).
    "outreach-weekly-workshop-bulletins": {
        "task": "outreach.weekly_workshop_bulletins",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
}
