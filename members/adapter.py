import uuid
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.core.exceptions import ValidationError


class _PortalSite:
    """What allauth's emails call "the site": the branch's name and SITE_URL's host, not the request's."""

    def __init__(self):
        self.name = settings.WAGTAIL_SITE_NAME
        self.domain = urlsplit(settings.SITE_URL).netloc


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

    def clean_email(self, email):
        from .accounts import email_validate_deliverable

        email = super().clean_email(email)
        email_validate_deliverable(value=email)
        return email

    def send_mail(self, template_prefix, email, context):
        """Record allauth's own emails (confirmation, password reset) in the outbox.

        allauth renders them as usual; the outbox sends them after the request's transaction
        commits, so a sign-up or a reset never waits on the mail server.
        """
        from tasks.outbox import notify_rendered

        message = self.render_mail(template_prefix, email, {**context, "current_site": _PortalSite()})
        body_text, body_html = message.body, ""
        if getattr(message, "content_subtype", "plain") == "html":
            body_text, body_html = "", message.body
        for content, mimetype in getattr(message, "alternatives", []) or []:
            if mimetype == "text/html":
                body_html = content
        # Every call is a message of its own (a second reset link is a new email): a fresh key.
        notify_rendered(
            kind="account_" + template_prefix.rsplit("/", 1)[-1],
            recipient=email,
            subject=message.subject,
            body_text=body_text,
            body_html=body_html,
            idempotency_key=f"allauth-{uuid.uuid4()}",
            # Reset, confirmation and sign-in links are credentials: sealed, and shown to no one.
            secret=True,
        )
