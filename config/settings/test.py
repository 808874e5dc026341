"""Tests: the database comes from DATABASE_URL (SQLite or PostgreSQL), mail stays in memory."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import env

# Links in test emails do not follow the PORT of the shell that runs the tests (`make run`'s).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

DEBUG = False
SECRET_KEY = "test-only-secret-key"
FIELD_ENCRYPTION_KEY = "test-only-field-encryption-key-not-for-production"
NIK_ENABLED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# One folder per database: `make test` runs the SQLite and the PostgreSQL passes at once.
_VENDOR = "sqlite" if DATABASES["default"]["ENGINE"].endswith("sqlite3") else "postgres"  # noqa: F405
MEDIA_ROOT = BASE_DIR / "var" / f"test-media-{_VENDOR}"  # noqa: F405
STORAGES["private"]["OPTIONS"]["location"] = str(BASE_DIR / "var" / f"test-private-{_VENDOR}")  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
ALLOWED_HOSTS = ["*"]
# The page cache is off: tests change rows inside a transaction that never commits, and
# a page cached by one test must not answer the next. tests/test_pagecache.py turns it on.
PAGE_CACHE_SECONDS = 0
# Serve static files straight from the app and site folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# SQLite: a file, not Django's default in-memory test database, so that threads with their
# own connections (the concurrency tests) share one database and queue on its write lock.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _name = Path(DATABASES["default"]["NAME"])  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(_name.with_name(f"test-{_name.name}"))}  # noqa: F405
    # A test database need not survive a power cut: skip the fsyncs.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"  # noqa: F405
