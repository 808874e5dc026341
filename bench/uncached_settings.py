"""Bench-only settings for "every cache off" (bench/uncached.py): production, with no cache at all.

Imported as the top-level module ``uncached_settings`` with bench/ on PYTHONPATH after the
tree being measured, so that the same file serves the current tree and the baseline's
worktree (whose own bench/ may not have it): ``config`` comes from the tree measured.

- ``PAGE_CACHE_SECONDS = 0``: no anonymous-page cache;
- every cache alias is Django's DummyCache: nothing Django, Wagtail or the project keeps in the
  cache (fragments, settings, renditions, rate limits) survives a request. No REDIS_URL either
  (the runner leaves it unset), so Celery runs eagerly and no broker is involved.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import CACHES as PRODUCTION_CACHES

PAGE_CACHE_SECONDS = 0
# Every alias the tree defines (another tree may have more than "default"), each a dummy.
CACHES = {alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"} for alias in PRODUCTION_CACHES}
