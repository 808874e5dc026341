"""Bench-only URLs (``bench.settings``): the site's own, plus the ceiling of a member action.

``POST /bench/ceiling/`` does only what every member action must do, and nothing else: the
CSRF check (the middleware), the session and the user (the middleware, read by the login
check), the member's profile loaded as the enroll view loads it, and a 302 back. The storm's
enrollment rate is compared with the rate of this view, on the same server in the same run.
It is not in config.urls: production never serves it.
"""

from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members.views import member_required


@never_cache
@require_POST
@member_required
def ceiling(request, member):
    """A member action that changes nothing: 302 back to the member's dashboard."""
    return redirect("members:dashboard")


urlpatterns = [
    path("bench/ceiling/", ceiling, name="bench_ceiling"),
    path("", include("config.urls")),
]
