"""One login for everyone: Wagtail's own log-in form and password reset are closed.

Wagtail's ``/admin/login/`` authenticates with Django's form directly, past allauth's rate
limits and email verification, and its ``/admin/password_reset/`` sends mail itself (not
through the outbox). Both paths stay answered, for bookmarks and old links, but neither
authenticates nor sends anything: the log-in sends the visitor to allauth's (keeping
``next``), the reset to allauth's reset. ``WAGTAILADMIN_LOGIN_URL`` sends the admin's own
redirects to allauth directly. These patterns come before the admin's in ``config.urls``.
"""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

ADMIN_HOME = "/admin/"


@never_cache
def admin_login(request):
    """GET: on to allauth's log-in, back to ``next`` afterwards. POST: the same, authenticating no one.

    A POST is answered 303 (the browser follows with a GET), without reading the body.
    """
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ADMIN_HOME
    response = HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
    if request.method not in ("GET", "HEAD"):
        response.status_code = 303
    return response


@never_cache
def admin_password_reset(request, rest=""):
    """Every page of Wagtail's password reset: allauth's reset instead (which goes through the outbox)."""
    response = HttpResponseRedirect(reverse("account_reset_password"))
    if request.method not in ("GET", "HEAD"):
        response.status_code = 303
    return response
