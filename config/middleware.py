import contextlib

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class AdminContentSecurityPolicyMiddleware:
    """Give the Wagtail admin its own, looser Content-Security-Policy.

    Listed after Django's CSP middleware, so its response phase runs first and
    the per-response override it sets is the one Django's middleware writes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.ADMIN_CSP_PATH_PREFIXES):
            response._csp_config = settings.ADMIN_CSP
        return response


class SiteLanguageMiddleware(LocaleMiddleware):
    """Indonesian unless the visitor picked another language with the switcher.

    Django's LocaleMiddleware follows the browser's Accept-Language, but many
    phones in Indonesia are set to English while their owners read the portal in
    Indonesian: only the language cookie set by the switcher counts here.
    """

    def process_request(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
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
