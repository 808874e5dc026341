import contextlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control


class AdminContentSecurityPolicyMiddleware:
    """Give the Wagtail admin its own, looser Content-Security-Policy, and previews theirs.

    Listed after Django's CSP middleware, so its response phase runs first and
    the per-response override it sets is the one Django's middleware writes.

    A preview is a page rendered by Wagtail through the whole middleware stack on a dummy
    request with the page's own path (``request.is_preview``), inside the admin's preview
    view, which frames it in the editor's preview panel. It keeps the public policy (the page's
    nonce, its own scripts and styles) except ``frame-ancestors``: the admin, on the same
    origin, may frame it (settings.PREVIEW_CSP). Public pages keep ``frame-ancestors 'none'``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "is_preview", False):
            response._csp_config = settings.PREVIEW_CSP
        elif request.path.startswith(settings.ADMIN_CSP_PATH_PREFIXES):
            response._csp_config = settings.ADMIN_CSP
        return response


class SiteLanguageMiddleware(LocaleMiddleware):
    """Indonesian unless the visitor picked another language with the switcher.

    Django's LocaleMiddleware follows the browser's Accept-Language, but many
    phones in Indonesia are set to English while their owners read the portal in
    Indonesian: only the language cookie set by the switcher counts here.

    The Wagtail admin ignores the switcher too: staff read it in the language of their
    admin profile, and in Indonesian while they have chosen none (Wagtail falls back to
    the active language).
    """

    admin_prefix = "/admin/"

    def process_request(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and not request.path.startswith(self.admin_prefix):
            with contextlib.suppress(LookupError):
                language = translation.get_supported_language_variant(chosen)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class PermissionsPolicyMiddleware:
    """Send ``Permissions-Policy`` (settings.PERMISSIONS_POLICY) on every response; Django has no setting for it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class PrivateCacheControlMiddleware:
    """``Cache-Control: private`` on every response built for a session; ``no-store`` on member pages.

    A page built for a session (a logged-in member's name in the header, a message shown
    once) must not be kept by a shared cache, and member, account and admin pages
    (settings.NO_STORE_PATH_PREFIXES) not even by the browser: someone at a shared computer
    must not find them with the back button after logging out.

    Listed right after SessionMiddleware: its response phase runs after the view, when the
    session has been read or not. A request without a session cookie whose session stayed
    empty is an anonymous visitor's, answered as to everyone, and keeps its caching headers;
    pages served from the anonymous page cache (core.pagecache, listed before) never get here.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.no_store_prefixes = tuple(settings.NO_STORE_PATH_PREFIXES)

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.no_store_prefixes):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        elif self.built_for_a_session(request):
            patch_cache_control(response, private=True)
        return response

    @staticmethod
    def built_for_a_session(request) -> bool:
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
            return True
        session = getattr(request, "session", None)
        # Read and not empty: the request logged someone in or stored something for them.
        return session is not None and session.accessed and not session.is_empty()


class RequestBodyLimitMiddleware:
    """Refuse a request body larger than its path accepts, before anything reads it.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count file parts: without a proxy in front,
    anyone could have a 50 MB multipart body parsed (and spooled to disk) by the log-in page.
    Here the declared Content-Length is checked against settings.REQUEST_BODY_LIMITS (longest
    matching path prefix): larger is answered 413 with a short page, the view never runs.
    A body without Content-Length (``Transfer-Encoding: chunked`` straight to the app server)
    is answered 411: Django would read it as empty. A proxy that buffers bodies sets the length.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limits = sorted(settings.REQUEST_BODY_LIMITS.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared:
            if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
                return self.refuse(request, status=411, limit=self.limit_for(request.path))
            return self.get_response(request)
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return HttpResponseBadRequest()
        limit = self.limit_for(request.path)
        if length > limit:
            return self.refuse(request, status=413, limit=limit)
        return self.get_response(request)

    @staticmethod
    def refuse(request, *, status: int, limit: int):
        return render(request, "413.html", {"limit": limit, "status": status}, status=status)
