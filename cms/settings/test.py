"""The test suite: `make test` (SQLite) and `make test-services` (PostgreSQL, Redis)."""

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, env

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default="/tmp/jiedu-test-media")
STORAGES["private"]["OPTIONS"]["location"] = env.path(
    "TEST_PRIVATE_MEDIA_ROOT", default="/tmp/jiedu-test-private-media"
)
WHITENOISE_AUTOREFRESH = True
DATABASES["default"].pop("CONN_MAX_AGE", None)

# The suite tests the in-process mode; the real-worker test builds its own client.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
