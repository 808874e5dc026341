"""``/.well-known/security.txt`` (RFC 9116): where to report a security problem.

The address is ``SECURITY_CONTACT`` when set, else the branch's email in the site settings
(Settings → Site settings → Contacts), the one the footer shows. No address: 404.
"""

from datetime import UTC, timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from wagtail.models import Site

# RFC 9116 asks for an expiry under a year away, so that a stale file is noticed.
VALID_FOR = timedelta(days=180)


def security_contact(request) -> str:
    if settings.SECURITY_CONTACT:
        return settings.SECURITY_CONTACT
    from .models import SiteSettings

    site = Site.find_for_request(request)
    return SiteSettings.for_site(site).email if site else ""


@require_GET
def security_txt(request):
    contact = security_contact(request)
    if not contact:
        raise Http404
    if "@" in contact and not contact.startswith("mailto:"):
        contact = f"mailto:{contact}"
    expires = (timezone.now() + VALID_FOR).replace(microsecond=0)
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: id, en",
        f"Canonical: {settings.SITE_URL}/.well-known/security.txt",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
