"""Settings of the gunicorn nodes that tests/deploy starts behind nginx.

The production settings, with two changes that let 40 members log in over HTTPS within a few
seconds on 2 cores (as bench/settings.py does for the storm): a fast password hasher first
(the test process hashes the members' passwords with it; other hashes are still accepted),
and allauth's per-address log-in limit raised (every member logs in from 127.0.0.1 within the
same minute). The limit that the test checks across both nodes, five failed log-ins per
email address, is production's.
"""

from django.conf import global_settings

from config.settings.production import *  # noqa: F403
from config.settings.production import ACCOUNT_RATE_LIMITS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *global_settings.PASSWORD_HASHERS]
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "1000/m/ip"}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "tests.deploy.storage.GzipOnlyManifestStaticFilesStorage"}}  # noqa: F405
