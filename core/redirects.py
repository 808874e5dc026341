"""Where a visitor's browser says they came from, when it is one of this site's pages."""

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme


def came_from(request) -> str | None:
    """The path (and query) of the page the ``Referer`` names when it is this site's, else None:
    what Django's ``set_language`` falls back to. The path is checked again on its own, since
    "//elsewhere" or "/\\elsewhere" is another site to a browser."""
    referer, hosts = request.headers.get("referer", ""), {request.get_host()}
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts=hosts, require_https=request.is_secure()):
        return None
    page = urlsplit(referer)
    back = page.path + (f"?{page.query}" if page.query else "")
    return back if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=hosts) else None
