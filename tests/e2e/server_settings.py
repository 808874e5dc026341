"""Settings of the gunicorn process that the browser tests talk to.

The test settings (the same password hasher and media folder as the test process, which
creates users and reads uploads), with real mail: ``EMAIL_URL`` points at the test's
aiosmtpd server. ``REDIS_URL`` is unset, so Celery tasks run eagerly in this process and
the emails are sent before the response.
"""

from config.settings.base import env, mailer_from_url
from config.settings.test import *  # noqa: F403

MAILERS = {"default": mailer_from_url(env("EMAIL_URL"))}
WAGTAILADMIN_BASE_URL = SITE_URL  # noqa: F405
# Uploaded images are served by the proxy in production; here the test server serves them.
ROOT_URLCONF = "tests.e2e.urls"
