"""Who the portal's email comes from: the branch's name and the contact address of its site settings.

``tasks.outbox`` reads this through ``settings.OUTBOX_SENDER_IDENTITY`` (it knows nothing
of the apps above it), once per message or batch, so a change in the settings applies to
the mail still waiting in the outbox too.
"""

from django.conf import settings
from wagtail.models import Site

from .models import SiteSettings


def sender_identity() -> tuple[str, str]:
    """(display name, Reply-To address) of the default site; either may be empty."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return settings.WAGTAIL_SITE_NAME, ""
    site_settings = SiteSettings.for_site(site)
    name = site_settings.organisation_name or site.site_name or settings.WAGTAIL_SITE_NAME
    return name.strip(), site_settings.email.strip()
