from django.conf import settings


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
