"""Django's Redis cache backend, made to degrade when Redis is down, and to keep one client per pool.

**Redis down is a miss, not a 500.** Everything the site keeps in the cache can be rebuilt or
done without: the page cache (core/pagecache.py), Wagtail's site root paths and renditions,
allauth's rate-limit counters and the enrollment throttle. So when Redis does not answer
(connection refused, timeout, still loading its data after a restart), a read answers as a
miss, a write is dropped, ``incr`` says the key is not there, and ``add`` says it stored the
value: allauth takes a rate-limit lock with ``add``, and a lock that can never be taken would
refuse every log-in (429) instead of letting it through uncounted. Rate limits thus fail open
while Redis is away. Each outage is logged as a warning (no traceback) when it starts, then at
most once a minute per process while it lasts, and its end at INFO. For ``RETRY_SECONDS``
after a failure calls do not even try, so a Redis that hangs costs a page one timeout, not one
per cache call. ``raising()`` turns this off for code that must see the error (``/healthz/``).

**One client per pool.** Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis``
object for every cache call, and building one fills a table of ~170 response callbacks: on a
page served from the cache that was a third of the request's time. A client is only a thin
wrapper over its (thread-safe, fork-aware) connection pool, so one per pool serves every call;
the backend instance itself is already per thread (``caches``).

**Commands on a kept connection.** ``get`` and ``get_many``, on every page (a page served from
the cache is one ``get_many``; a member's session and user are ``get``), and the writes of a
member's action (``add``, ``bump`` and the scripts: the enrollment throttle, the seats
generation, the worker's wake-up) send their command on a connection kept for the process and
thread instead of checking one out of the pool through redis-py's client; with Django's key
warnings off (``validate_key``), a page served from the cache costs a sixth less CPU, and each
such write a third of what it did (bench/RESULTS.md). The other writes go through the pool.
"""

import contextlib
import contextvars
import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable

from django.core.cache.backends import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# BusyLoadingError (Redis reading its dump after a restart) is a ConnectionError.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0

_raising = contextvars.ContextVar("cache_raising", default=False)


@contextlib.contextmanager
def raising():
    """Inside, a Redis that does not answer raises, as Django's backend does (for health checks)."""
    token = _raising.set(True)
    try:
        yield
    finally:
        _raising.reset(token)


class Outage:
    """Whether one Redis is known to be down, in this process, and when that was last logged."""

    def __init__(self):
        self.down_until = 0.0
        self.last_logged = -LOG_EVERY_SECONDS
        self.down = False

    def skip(self) -> bool:
        return self.down and time.monotonic() < self.down_until

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        new_outage = not self.down
        self.down, self.down_until = True, now + RETRY_SECONDS
        if new_outage or now - self.last_logged >= LOG_EVERY_SECONDS:
            self.last_logged = now
            logger.warning(
                "cache: Redis does not answer (%s: %s); serving without it (reads miss, writes are dropped, "
                "rate limits are not counted) until it does",
                error.__class__.__name__,
                error,
            )

    def answered(self) -> None:
        if self.down:
            self.down = False
            logger.info("cache: Redis answers again")


_outages: dict[str, Outage] = {}


def _degrades(miss: Callable):
    """A client method that answers ``miss(*args)`` instead of raising when Redis is unreachable."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if _raising.get():
                return method(self, *args, **kwargs)
            if self._outage.skip():
                return miss(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                self._outage.failed(error)
                return miss(*args, **kwargs)
            self._outage.answered()
            return result

        return call

    return decorate


def _key_not_found(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (Redis does not answer).")


# A counter one up, or ARGV[1] plus one when missing (set to live ARGV[2] seconds, if given).
BUMP_SCRIPT = """
if ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2])
else
    redis.call('SET', KEYS[1], ARGV[1], 'NX')
end
return redis.call('INCR', KEYS[1])
"""


# Sliding-window rate limits (core/throttle.py) checked and recorded in one round trip: each
# KEYS[i] is a sorted set of hit times for a rate of ARGV[2 + 2i] hits per ARGV[3 + 2i] seconds;
# ARGV[1] is now, ARGV[2] a unique name of this hit. A hit is recorded under every rate, or, when
# any rate is used up, under none (then 0).
RATE_SCRIPT = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(ARGV[2 + 2 * i]))
    if redis.call('ZCARD', key) >= tonumber(ARGV[1 + 2 * i]) then
        return 0
    end
end
for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, ARGV[2])
    redis.call('PEXPIRE', key, math.ceil(tonumber(ARGV[2 + 2 * i]) * 1000))
end
return 1
"""

# A value kept for an owner (a member's kept drawings, core/pagecache.py), stored only while the
# owner's generation is still the one it was made under, and listed in the owner's index so that
# FORGET_SCRIPT can delete it. KEYS: the value's key, the owner's index (a set), the owner's
# generation; ARGV: the value, its lifetime and the index's (ms), the generation it was made under.
KEEP_SCRIPT = """
if redis.call('GET', KEYS[3]) ~= ARGV[4] then
    return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"""
# Everything kept for an owner goes, and their generation moves on (a value being made now is
# then not stored). KEYS: the owner's index, the owner's generation; ARGV: a fresh generation for
# a missing one, its lifetime (s).
FORGET_SCRIPT = """
redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2])
redis.call('INCR', KEYS[2])
local kept = redis.call('SMEMBERS', KEYS[1])
for first = 1, #kept, 500 do
    redis.call('DEL', unpack(kept, first, math.min(first + 499, #kept)))
end
redis.call('DEL', KEYS[1])
return #kept
"""


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients = {}
        self._outage = _outages.setdefault(",".join(servers), Outage())
        self._scripts = {}
        self._held = {}  # (pid, thread, pool index) -> the connection kept for commands (_command)

    @_degrades(lambda key, fresh, timeout: None)  # Redis down: dropped, as a write
    def bump(self, key: str, fresh: int, timeout) -> None:
        """A counter one up, or ``fresh`` plus one when it is missing (then living ``timeout``, as
        ``add`` would set it): one round trip (``incr`` is two, an EXISTS first, and raises on a
        missing key)."""
        # One script (EVAL: one round trip, no script cache to miss), a third of a pipeline's Python.
        args = [fresh] if timeout is None else [fresh, timeout]
        self._command("EVAL", BUMP_SCRIPT, 1, key, *args)

    @_degrades(lambda keys, rates, now, hit: True)  # Redis down: not counted (fails open)
    def consume_rates(self, keys: list[str], rates: list[tuple[int, float]], now: float, hit: str) -> bool:
        """Whether a hit fits every ``(amount, seconds)`` rate, each counted under its key; recorded if so."""
        args = [now, hit, *(value for rate in rates for value in rate)]
        return bool(self._run(RATE_SCRIPT, keys, args))

    @_degrades(lambda key, value, timeout, index, index_timeout, generation_key, generation: False)
    def keep_for_owner(self, key, value, timeout, index, index_timeout, generation_key, generation) -> bool:
        """Store ``value`` under ``key`` for its owner unless their generation moved on since it was made."""
        args = [self._serializer.dumps(value), int(timeout * 1000), int(index_timeout * 1000), generation]
        return bool(self._run(KEEP_SCRIPT, [key, index, generation_key], args))

    @_degrades(lambda index, generation_key, fresh, timeout: None)  # Redis down: dropped, as a write
    def forget_owner(self, index, generation_key, fresh, timeout) -> None:
        """Delete every value kept for an owner and move their generation on, in one step."""
        self._run(FORGET_SCRIPT, [index, generation_key], [fresh, timeout])

    def _run(self, script: str, keys: list, args: list):
        """EVALSHA: the script is sent once, or again when Redis lost it (a restart)."""
        sha = self._scripts.get(script)
        if sha is None:
            sha = self._scripts[script] = hashlib.sha1(script.encode()).hexdigest()  # noqa: S324 (Redis's name)
        try:
            return self._command("EVALSHA", sha, len(keys), *keys, *args)
        except NoScriptError:
            return self._command("EVAL", script, len(keys), *keys, *args)

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]

    @_degrades(lambda key, value, timeout: True)
    def add(self, key, value, timeout):
        if timeout == 0:  # stored and gone at once: Django's two steps
            return redis.RedisCacheClient.add(self, key, value, timeout)
        expiry = () if timeout is None else ("EX", timeout)
        return self._command("SET", key, self._serializer.dumps(value), "NX", *expiry) is not None

    set = _degrades(lambda key, value, timeout: None)(redis.RedisCacheClient.set)
    touch = _degrades(lambda key, timeout: False)(redis.RedisCacheClient.touch)
    delete = _degrades(lambda key: False)(redis.RedisCacheClient.delete)
    has_key = _degrades(lambda key: False)(redis.RedisCacheClient.has_key)
    incr = _degrades(_key_not_found)(redis.RedisCacheClient.incr)
    set_many = _degrades(lambda data, timeout: None)(redis.RedisCacheClient.set_many)
    delete_many = _degrades(lambda keys: None)(redis.RedisCacheClient.delete_many)
    clear = _degrades(lambda: False)(redis.RedisCacheClient.clear)

    # Reads, on every page (the page cache, the session, the user), through a connection kept for
    # them (with add, bump and the scripts); the other writes through the pool, as Django's client does.
    @_degrades(lambda key, default: default)
    def get(self, key, default):
        value = self._command("GET", key)
        return default if value is None else self._serializer.loads(value)

    @_degrades(lambda keys: {})
    def get_many(self, keys):
        loads = self._serializer.loads
        values = self._command("MGET", *keys)
        return {key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None}

    def _command(self, *command):
        """``command``'s answer (raw: no response callback), on the connection this client keeps.

        Each command through redis-py's client checks a connection out of the pool and back in,
        through retry wrappers and response callbacks: twice the CPU of the command itself, and
        a page served from the cache is one command (core/pagecache.py). One connection per
        process and thread: a forked process (a Celery pool, gunicorn ``--preload``) takes its
        own from the pool, which is fork-aware. A connection Redis closed (it restarted) is
        replaced once, as redis-py's client would retry. Reads and writes share it, on the server
        Django writes to (the site has one: where it reads too).
        """
        owner = (os.getpid(), threading.get_ident(), self._get_connection_pool_index(write=True))
        connection = self._held.get(owner)
        if connection is None:
            connection = self._held[owner] = self._get_connection_pool(write=True).get_connection()
        try:
            try:
                connection.send_command(*command)
                return connection.read_response()
            except UNAVAILABLE:
                connection.disconnect()
                connection.send_command(*command)
                return connection.read_response()
        except ResponseError:
            raise  # Redis's error reply, read whole: the connection is ready for the next command
        except BaseException:
            connection.disconnect()  # never a half-read answer left for the next command
            raise


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key):
        """Redis takes any key: no memcached warnings (checking each key character by character
        was a tenth of a page served from the cache). Django's documented way to silence them."""

    def bump(self, key: str, fresh: int, timeout=None) -> None:
        """``timeout``: seconds for a missing key, None for ever (as ``add``'s)."""
        self._cache.bump(self.make_and_validate_key(key), fresh, self.get_backend_timeout(timeout))

    def consume_rates(self, keys: list[str], rates: list[tuple[int, float]], now: float, hit: str) -> bool:
        keys = [self.make_and_validate_key(key) for key in keys]
        return self._cache.consume_rates(keys, rates, now, hit)

    def keep_for_owner(self, key, value, timeout, *, index, index_timeout, generation_key, generation) -> bool:
        """Store ``value`` under ``key`` (for ``timeout`` seconds) and list it in the owner's
        ``index`` (living ``index_timeout``), only while ``generation_key`` still holds
        ``generation``; whether it was stored. :meth:`forget_owner` deletes what the index lists."""
        make = self.make_and_validate_key
        return self._cache.keep_for_owner(
            make(key), value, timeout, make(index), index_timeout, make(generation_key), generation
        )

    def forget_owner(self, *, index, generation_key, fresh: int, timeout) -> None:
        """Delete everything :meth:`keep_for_owner` listed in ``index`` and bump ``generation_key``
        (``fresh`` plus one when missing, then living ``timeout`` seconds), atomically."""
        make = self.make_and_validate_key
        self._cache.forget_owner(make(index), make(generation_key), fresh, self.get_backend_timeout(timeout))
