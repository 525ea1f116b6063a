"""Production. Refuses to start without its secrets.

SECRET_KEY, ALLOWED_HOSTS           required
DATABASE_URL                        postgres://... (SQLite is for laptops)
CELERY_BROKER_URL                   redis://...
CACHE_URL (or REDIS_URL)            redis://..., shared by every process. Without
                                    it each process caches on its own: a lesson's
                                    new version still shows at once everywhere,
                                    but another process may show an old title in
                                    the breadcrumb or the previous/next links for
                                    up to an hour (courses.cache)
SECURE_SSL_REDIRECT                 default on; off only behind a proxy that
                                    already redirects
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import STORAGES, cache_config, env

DEBUG = False

SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host names.")

CACHES = {
    "default": cache_config(env("CACHE_URL", default=env("REDIS_URL", default="")))
}

# Compressed files with hashed names, served by whitenoise with far-future caching.
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload puts the domain on browsers' built-in lists, which cannot be
    # undone quickly; a government intranet host often has no public DNS at all.
    # It is an operator's decision (SECURE_HSTS_PRELOAD=1), not a default.
    "security.W021",
    # Wagtail's page editor shows the live preview of a page in a same-origin
    # frame; DENY would break it. SAMEORIGIN still refuses every other site.
    "security.W019",
]
