"""Settings of the gunicorn process of tests/test_redis_outage.py: the browser tests' server
settings (test hasher, real mail to ``EMAIL_URL``) with the page cache on, as in production."""

from tests.e2e.server_settings import *  # noqa: F403

PAGE_CACHE_SECONDS = 300
