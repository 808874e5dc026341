from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.core.exceptions import ValidationError


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the portal's way."""

    def pre_authenticate(self, request, **credentials):
        # allauth reports too many wrong passwords as a form error (HTTP 200); the portal
        # answers with HTTP 429 and its own page (site/templates/429.html), as for every
        # other rate limit.
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code == "too_many_login_attempts":
                raise ImmediateHttpResponse(respond_429(request)) from error
            raise
