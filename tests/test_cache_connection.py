"""The Redis cache reads on a connection kept per process and thread (core/cache.py, ``_command``).

What a user would notice if that went wrong: after Redis restarts, a web process still holding
its dead connection would take the restart for an outage, serve pages uncached and count no
log-in attempt for the next seconds; and a forked process (a Celery pool's child, gunicorn
``--preload``) reading on its parent's socket would take the parent's answers for its own: one
visitor's session or page under another's key.
"""

import os

import pytest
from django.core.cache import cache

from .people import JUMAT, NURAINI
from .services import require_redis
from .tasks.workers import OwnRedis
from .test_cache_outage import cache_warnings

pytestmark = pytest.mark.services


def redis_cache(settings, url: str, *, prefix: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},  # production's
        }
    }


@pytest.mark.slow
def test_after_redis_restarts_the_next_read_finds_what_was_written_since(settings, caplog):
    require_redis()  # redis-server is installed where the shared one runs
    server = OwnRedis().start()
    try:
        redis_cache(settings, server.url, prefix="restart")
        cache.set("session", NURAINI.full_name, 60)
        assert cache.get("session") == NURAINI.full_name  # the connection for reads is open now

        server.stop()
        server.start()  # the same port, empty: this Redis keeps nothing on disk
        cache.set("session", JUMAT.full_name, 60)

        assert cache.get("session") == JUMAT.full_name
        assert cache.get_many(["session", "page"]) == {"session": JUMAT.full_name}
        assert not cache_warnings(caplog), "a restart is not an outage"
    finally:
        server.stop()


@pytest.mark.slow
def test_after_redis_restarts_a_members_next_action_is_counted_and_wakes_the_worker(settings, caplog):
    """The writes of a member's action (the throttle's script, the wake-up's ``add``, a bump) go
    on the kept connection too: a restart between two actions must not drop the second one's.
    The restarted Redis has also forgotten the throttle's script (EVALSHA answers NOSCRIPT)."""
    require_redis()
    server = OwnRedis().start()
    try:
        redis_cache(settings, server.url, prefix="restart-writes")
        one_a_minute = [(1, 60.0)]
        assert cache.consume_rates(["enroll"], one_a_minute, 1.0, "first")
        assert cache.add("wake-up", 1, 30)

        server.stop()
        server.start()  # empty: no counter, no key, no script

        assert cache.consume_rates(["enroll"], one_a_minute, 2.0, "second"), "counted afresh, not refused"
        assert not cache.consume_rates(["enroll"], one_a_minute, 3.0, "third"), "the second was recorded"
        assert cache.add("wake-up", 1, 30), "the worker is woken again"
        assert not cache.add("wake-up", 1, 30)
        cache.bump("generation", 100)
        cache.bump("generation", 100)
        assert cache.get("generation") == 102
        assert not cache_warnings(caplog), "a restart is not an outage"
    finally:
        server.stop()


def test_a_forked_process_reads_its_own_answers_while_its_parent_reads_too(settings):
    redis_cache(settings, require_redis(), prefix=f"fork-{os.getpid()}")
    cache.set_many({"parent": NURAINI.full_name, "child": JUMAT.full_name}, 60)
    assert cache.get("parent") == NURAINI.full_name  # the parent's connection for reads is open

    child = os.fork()
    if child == 0:  # the child: its own reads, at the same time as the parent's
        try:
            wrong = sum(cache.get_many(["child"]) != {"child": JUMAT.full_name} for _ in range(500))
        except BaseException:
            os._exit(2)
        os._exit(1 if wrong else 0)
    wrong = sum(cache.get("parent") != NURAINI.full_name for _ in range(500))
    _, status = os.waitpid(child, 0)

    assert wrong == 0, "the parent read answers meant for its child"
    assert os.waitstatus_to_exitcode(status) == 0, "the child read answers meant for its parent"
