import uuid
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.crypto import get_random_string

ADMIN_PATH = "/admin/"


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

    def is_safe_url(self, url):
        # The admin sends a logged-in user it refuses (a member) to the log-in page with
        # ?next=/admin/..., and allauth would send them straight back: a loop. For such a
        # user a next into the admin is no destination; allauth falls back to LOGIN_REDIRECT_URL.
        if not super().is_safe_url(url):
            return False
        user = getattr(context.request, "user", None)
        return not (
            user is not None
            and user.is_authenticated
            and urlsplit(url).path.startswith(ADMIN_PATH)
            and not user.has_perm("wagtailadmin.access_admin")
        )

    def send_account_already_exists_mail(self, email):
        # A sign-up with an address already registered creates nothing, so it skipped the
        # password hashing that a real sign-up pays (the slow part, by design): the answer's
        # timing told which addresses have accounts. Hash a throwaway password the same way.
        make_password(get_random_string(32))
        super().send_account_already_exists_mail(email)

    def mail_language(self, email, context) -> str:
        """The member's own language for allauth's mail to them; for an address without a
        member profile (staff, an unknown account), the language of the page that asked."""
        from . import accounts
        from .models import Member

        user = context.get("user")
        member = (
            Member.objects.filter(user=user).first()
            if getattr(user, "pk", None)
            else Member.objects.filter(user__email__iexact=email).first()
        )
        if member is not None:
            return accounts.member_language(member=member)
        return translation.get_language() or settings.LANGUAGE_CODE

    def send_mail(self, template_prefix, email, context):
        """Record allauth's own emails (confirmation, password reset) in the outbox.

        allauth renders them as usual; the outbox sends them after the request's transaction
        commits, so a sign-up or a reset never waits on the mail server.
        """
        from tasks.outbox import notify_rendered

        language = self.mail_language(email, context)
        with translation.override(language):
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
            language=language,
            idempotency_key=f"allauth-{uuid.uuid4()}",
            # Reset, confirmation and sign-in links are credentials: sealed, and shown to no one.
            secret=True,
        )
