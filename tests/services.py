"""Access to the real PostgreSQL and Redis that tests use.

Where a service is down, a test that needs it is skipped, except under
``REQUIRE_SERVICES=1`` (CI), where it fails: a green CI must mean it ran.
"""

import os
import socket

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _require(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} and REQUIRE_SERVICES=1")
    pytest.skip(message)


def require_redis() -> str:
    _require("Redis", "127.0.0.1", 6379)
    return REDIS_URL


CACHE_KINDS = ["local memory", "redis"]


def use_cache(settings, kind: str, *, prefix: str) -> None:
    """The tests' cache: local memory (the settings' default) or, for ``"redis"``, production's
    Redis backend (core.cache) with keys under ``prefix``."""
    if kind == "redis":
        settings.CACHES = {
            "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": require_redis(), "KEY_PREFIX": prefix}
        }


def require_postgres() -> str:
    _require("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


def closed_port() -> int:
    """A local TCP port on which nothing listens (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CHROMIUM = "/usr/bin/chromium"


def require_chromium() -> str:
    """Debian's Chromium, which the browser tests drive through Playwright (never a downloaded browser)."""
    problem = None
    if not os.path.exists(CHROMIUM):
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if problem is None:
        return CHROMIUM
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{problem} and REQUIRE_SERVICES=1")
    pytest.skip(problem)
