"""``/healthz/``: is this process able to serve? For load balancers and uptime checks.

Everyone gets the bare status (``{"status": "ok"}`` with 200, ``{"status": "error"}`` with
503); which component is down is told only to staff (users who may use the admin) and to
requests from this machine itself (a load balancer's probe or ``curl`` on the host), with the
service behind a failing check (``"cache": {"ok": false, "service": "redis", ...}``). Behind
a proxy every request comes from 127.0.0.1: a request carrying forwarding headers counts as
local only when ``ALLAUTH_TRUSTED_PROXY_COUNT`` is set and the client it names is local.
"""

import ipaddress
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from .cache import raising

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    # The Redis cache answers a miss when Redis is down (core/cache.py); here the error is wanted.
    with raising():
        cache.set(key, "ok", 10)
        if cache.get(key) != "ok":
            raise RuntimeError("cache did not return the value just written")
        cache.delete(key)


def check_broker() -> None:
    # The broker from the settings the Celery app reads, through kombu: health sits below ``tasks``.
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    with Connection(settings.CELERY_BROKER_URL, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


def services() -> dict[str, str]:
    """What each check depends on, named for whoever reads a failure (``redis``, ``postgresql``)."""
    backend = settings.CACHES["default"]["BACKEND"]
    return {
        "database": connection.vendor,
        "cache": "redis" if "redis" in backend.lower() else backend.rpartition(".")[2],
        "broker": settings.REDIS_URL.partition(":")[0] if settings.REDIS_URL else "",
    }


FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").strip().strip("[]")).is_loopback
    except ValueError:
        return False


def is_local_request(request) -> bool:
    """The request comes from this machine, not from a client through a proxy on it."""
    if not _is_loopback(request.META.get("REMOTE_ADDR")):
        return False
    if not any(header in request.headers for header in FORWARDING_HEADERS):
        return True
    proxies = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded_for = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    if proxies <= 0 or len(forwarded_for) < proxies:
        return False  # forwarded by a proxy we cannot read: the client is not known to be local
    return _is_loopback(forwarded_for[-proxies])


def may_see_detail(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.has_perm("wagtailadmin.access_admin"):
        return True
    return is_local_request(request)


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database, "cache": check_cache}
    if settings.REDIS_URL:
        checks["broker"] = check_broker
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # any failure means "down", and is reported, not raised
            service = services()[name]
            logger.warning("healthz: %s (%s) is down: %s", name, service, error)
            results[name] = {"ok": False, "service": service, "error": error.__class__.__name__}
        else:
            results[name] = {"ok": True}
    healthy = all(result["ok"] for result in results.values())
    body = {"status": "ok" if healthy else "error"}
    if may_see_detail(request):
        body["checks"] = results
    return JsonResponse(body, status=200 if healthy else 503)
