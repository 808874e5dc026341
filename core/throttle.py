"""allauth's rate limits (``ACCOUNT_RATE_LIMITS``) for the site's own actions, in one cache round trip.

allauth counts each rate under a lock of its own in the cache: add the lock, read the history,
write it back, delete the lock, four round trips a rate (eight for the enrollment's two rates, on
every enrollment of a storm). With the site's Redis cache (core.cache) the same sliding windows
are checked and recorded by one script, all rates at once (a refused hit is recorded under none);
any other cache (local memory in development and tests without Redis) goes through allauth.
Redis down: not counted, as allauth's limits then (core.cache).
"""

from __future__ import annotations

import functools
import time
import uuid

from allauth.core import ratelimit
from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest


@functools.cache
def _rates(action: str) -> tuple:
    """The rates of ``action`` as allauth reads them from the settings (~115 Python calls a read),
    read once per process; again after a settings change (tests)."""
    return tuple(get_rates(app="allauth.account", action=action))


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith(("ACCOUNT_", "ALLAUTH_")):
        _rates.cache_clear()


def consume(request: HttpRequest, *, action: str, key: str | None = None) -> bool:
    """Whether ``request`` may do ``action`` now under ``ACCOUNT_RATE_LIMITS[action]``; counted when it may.

    Rates per ``key``, ``user`` or ``ip`` as allauth reads them.
    """
    if not hasattr(cache, "consume_rates"):
        return ratelimit.consume(request, action=action, key=key)
    rates = _rates(action)
    if not rates:
        return True
    keys = [
        "throttle:" + get_cache_key(request, app="allauth.account", action=action, rate=rate, key=key) for rate in rates
    ]
    now = time.time()
    return cache.consume_rates(keys, [(rate.amount, rate.duration) for rate in rates], now, f"{now}:{uuid.uuid4().hex}")
