"""Settings shared by every environment.

Everything that differs between a laptop and a server comes from the environment,
with a default that makes `make run` work on a fresh machine: SQLite, and Celery
tasks executed in-process.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "cms",
    "courses",
    "quizzes",
    "reports",
    "api",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that it sees the authenticated user and the final response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "courses.context_processors.roles",
                "courses.context_processors.site_nav",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# `DATABASE_URL=postgres://user:pass@host:5432/name` switches to PostgreSQL.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while an import or a Celery task writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Rendered lesson pages, header links and search snippets (courses.cache). Local
# memory by default: one process (`make run`, the tests). Several server
# processes need one shared cache, or a publish seen by one is not seen by the
# others: `CACHE_URL=redis://127.0.0.1:6379/1` (production also reads REDIS_URL).
CACHE_URL = env("CACHE_URL", default="")


def cache_config(url: str) -> dict:
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "jiedu",
            # Room for every lesson's snippet text and rendered body.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    backend = None
    if url.startswith(("redis://", "rediss://")):
        backend = "django.core.cache.backends.redis.RedisCache"
    return {**env.cache_url_config(url, backend=backend), "KEY_PREFIX": "jiedu"}


CACHES = {"default": cache_config(CACHE_URL)}
# Sessions are read from the cache and written through to the database, so a
# cache restart logs nobody out and a page view usually costs no session query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "courses.User"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out user before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "courses.auth_backends.CachedModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Brute-force protection. A facility's officers share one NAT address, so locking
# by address alone would lock a whole facility out; lock the (account, address) pair.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Interface: Simplified Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = BASE_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

# Files with personal data (uploaded rosters) live outside MEDIA_ROOT and have no
# URL: only views that check permissions read them.
PRIVATE_MEDIA_ROOT = Path(
    env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media"))
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "cms.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Roster files of a whole province stay well under this.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ROSTER_MAX_UPLOAD_BYTES = env.int("ROSTER_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
QUIZ_IMPORT_MAX_BYTES = env.int("QUIZ_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

WAGTAIL_SITE_NAME = _("禁毒戒毒教育培训平台")
# "simple": no English stemming or stop words, which would treat the Latin words of
# mixed Chinese/English text differently from the Chinese (see courses.search_text).
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        "SEARCH_CONFIG": "simple",
    }
}
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = [
    "csv",
    "docx",
    "odt",
    "pdf",
    "pptx",
    "rtf",
    "txt",
    "xlsx",
    "zip",
]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 50 * 1024 * 1024

EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="training@localhost")

# Celery. Without a broker the tasks run in-process, so one command gives a working
# site; `CELERY_BROKER_URL=redis://127.0.0.1:6379/0` hands them to real workers.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env(
    "CELERY_RESULT_BACKEND",
    default=CELERY_BROKER_URL if not CELERY_TASK_ALWAYS_EAGER else "cache+memory://",
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Schedules live in code (`celery -A cms beat`); each task is idempotent.
CELERY_BEAT_SCHEDULE = {
    "quizzes-attempts-expire": {
        "task": "quizzes.attempts_expire",
        "schedule": 60.0,
    },
    # Training-record aggregates, in batches: never one task per event.
    "courses-records-refresh": {
        "task": "courses.records_refresh",
        "schedule": 30.0,
    },
    # Certificates for courses completed since the last run.
    "courses-certificates-issue-due": {
        "task": "courses.certificates_issue_due",
        "schedule": 300.0,
    },
    "courses-exam-results-release": {
        "task": "courses.exam_results_release",
        "schedule": 300.0,
    },
    # Reminders every morning; the overdue digest to unit leaders on Mondays.
    "courses-reminders-send": {
        "task": "courses.reminders_send",
        "schedule": crontab(hour=8, minute=0),
    },
    # Exports: fail jobs whose worker died, delete expired files.
    "reports-exports-sweep": {"task": "reports.exports_sweep", "schedule": 600.0},
    "courses-assignments-fall-due": {
        "task": "courses.assignments_fall_due",
        "schedule": crontab(hour=0, minute=10),
    },
    "courses-overdue-digest-send": {
        "task": "courses.overdue_digest_send",
        "schedule": crontab(hour=8, minute=30, day_of_week="mon"),
    },
    # Pending e-mail, in batches (notifications also trigger it on commit).
    "courses-notifications-email": {
        "task": "courses.notifications_email",
        "schedule": 300.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail logs every search-index and reference-index update at INFO.
        "django_tasks": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
