"""Production: refuses to start without a secret key, DEBUG off, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")

# The NIK is stored encrypted (members.nik): with NIK enabled, no key means no start.
if NIK_ENABLED and not FIELD_ENCRYPTION_KEY:  # noqa: F405
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set in production when NIK_ENABLED is on.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost"])

# TLS: redirect to HTTPS unless a proxy in front already does (SECURE_SSL_REDIRECT=0).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# The language choice (/bahasa/<code>/ and Django's set_language): no script reads it.
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Without Redis each gunicorn worker would keep its own page cache, which a publish in
# another worker cannot invalidate: without REDIS_URL the page cache is off (unless asked for,
# e.g. for a single process).
if not REDIS_URL:  # noqa: F405
    PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=0)
