"""Sessions kept in the database and read through the cache, with a short life in the cache.

Django's ``cached_db`` engine: the database holds every session (a Redis outage or restart
logs nobody out, and ``core.cache`` answers a miss while Redis is away, so the row is read
instead); a member's page then costs one cache read for the session, not an ORM query.

One change: a session stays in the cache ``CACHE_SECONDS`` at most, not its whole life. A
write that failed while Redis was unreachable (a log-out deleting the row but not the cached
copy) or a copy that came back from a Redis snapshot can then outlive the truth by those few
minutes only.
"""

from django.contrib.sessions.backends import cached_db

CACHE_SECONDS = 300


class _ShortLivedCache:
    """The session's cache with every timeout cut to ``CACHE_SECONDS``."""

    def __init__(self, cache):
        self._cache = cache

    def get(self, key, default=None):
        return self._cache.get(key, default)

    def set(self, key, value, timeout):
        self._cache.set(key, value, min(timeout, CACHE_SECONDS))

    def delete(self, key):
        return self._cache.delete(key)

    def __contains__(self, key):
        return key in self._cache


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _ShortLivedCache(self._cache)

    def lookup_key(self) -> str | None:
        """The cache key this session is kept under, for a caller that reads it together with
        other keys (the page cache: one round trip for a member's page); None without a valid
        session key (nothing to read)."""
        return self.cache_key if self.session_key else None

    def prime(self, data) -> None:
        """This session's data as the caller read it from the cache under :meth:`lookup_key`;
        loading the session then costs no round trip. A miss (None) leaves it to load as usual."""
        if isinstance(data, dict) and not hasattr(self, "_session_cache"):
            self._session_cache = data
