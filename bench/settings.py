"""Bench-only settings: production, plus what lets 1,000 members log in on 2 cores, plus the ceiling.

Never used by the site. ``bench/storm.py`` serves gunicorn with
``DJANGO_SETTINGS_MODULE=bench.settings``:

- a fast password hasher first (MD5): the bench members' passwords are hashed with it, so
  1,000 logins over HTTP take seconds instead of minutes of PBKDF2 (the enrollments the storm
  measures never check a password; hashes of other hashers are still accepted);
- allauth's per-IP login limit raised: every bench member logs in from 127.0.0.1 in the same
  minute, which the production limit (30/m/ip) would refuse as an attack;
- ``bench.urls``: the site's URLs plus the ceiling's no-op POST (``bench/urls.py``).
"""

from django.conf import global_settings

from config.settings.production import *  # noqa: F403
from config.settings.production import ACCOUNT_RATE_LIMITS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *global_settings.PASSWORD_HASHERS]
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "100000/m/ip", "login_failed": "100000/m/ip,100/5m/key"}
ROOT_URLCONF = "bench.urls"
