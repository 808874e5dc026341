"""What a page tells the apps it is shared to (WhatsApp, Facebook, X) and search engines.

One place builds every value of ``site/templates/includes/sharing.html``: Open Graph and
Twitter tags, and schema.org JSON-LD. WhatsApp reads ``og:title``, ``og:description`` and
``og:image`` (an absolute URL, a JPEG it can fetch: WebP is not shown by every client);
Google reads the JSON-LD (``NewsArticle`` for news, ``Event`` for trainings).

Pages say what they are with class attributes and properties, so that this module imports
neither ``news`` nor ``programs``:

``share_image``
    the page's picture (a property), else the home page's hero image, else the site's logo;
``share_description``
    the page's summary or intro (a property), else its search description, else the tagline;
``share_type``
    ``"article"`` (news: og:type article, ``NewsArticle``), ``"event"`` (a training:
    ``Event``) or ``"website"`` (the default).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from urllib.parse import urljoin

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from wagtail.images.models import SourceImageIOError
from wagtail.models import Site

logger = logging.getLogger(__name__)

OG_IMAGE_FILTER = "fill-1200x630-c50|format-jpeg"
ORGANISATION = "PC GP Ansor Kabupaten Batu Bara"
EVENT_STATUS = {
    "cancelled": "https://schema.org/EventCancelled",
    "postponed": "https://schema.org/EventPostponed",
}


@dataclasses.dataclass(frozen=True)
class Picture:
    url: str
    width: int
    height: int
    alt: str


@dataclasses.dataclass(frozen=True)
class Share:
    title: str
    description: str
    url: str
    type: str
    site_name: str
    image: Picture | None
    json_ld: SafeString | None

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image else "summary"


def json_ld(data: dict) -> SafeString:
    """``data`` as JSON that nothing can close the script element with (the escapes of ``json_script``)."""
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return mark_safe(text)  # noqa: S308 - escaped above


def for_page(page, request) -> Share:
    """Everything the sharing include shows for ``page`` (a specific Wagtail page)."""
    from .models import SiteSettings

    site = Site.find_for_request(request) if request is not None else None
    # for_request: the same row the header and footer read through the settings context processor.
    site_settings = SiteSettings.for_request(request) if site is not None else None
    site_name = (site_settings.organisation_name if site_settings else "") or ORGANISATION
    url = page.get_full_url(request) or ""
    picture = _picture(_images_of(page, site=site, site_settings=site_settings), base_url=url)
    description = (
        getattr(page, "share_description", "")
        or page.search_description
        or (site_settings.tagline if site_settings else "")
    )
    share_type = getattr(page, "share_type", "website")
    data = None
    if share_type == "article":
        data = article_data(page, url=url, image=picture, publisher=site_name)
    elif share_type == "event":
        data = event_data(page, url=url, image=picture, organizer=site_name, organizer_url=_root_url(site, url))
    return Share(
        title=page.seo_title or page.title,
        description=description,
        url=url,
        type="article" if share_type == "article" else "website",
        site_name=site_name,
        image=picture,
        json_ld=json_ld(data) if data else None,
    )


def article_data(article, *, url: str, image: Picture | None, publisher: str) -> dict:
    """schema.org ``NewsArticle``."""
    modified = article.last_published_at or article.latest_revision_created_at or timezone.now()
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.intro,
        "datePublished": article.pubdate.isoformat(),
        "dateModified": timezone.localtime(modified).replace(microsecond=0).isoformat(),
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "inLanguage": "id",
        "articleSection": [category.name for category in article.category_list],
        "keywords": [tag.name for tag in article.tag_list],
        "publisher": {"@type": "Organization", "name": publisher},
    }
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    if image:
        data["image"] = [image.url]
    return data


def event_data(training, *, url: str, image: Picture | None, organizer: str, organizer_url: str) -> dict:
    """schema.org ``Event`` for a training, its times in WIB (``+07:00``), at its venue."""
    address = training.venue_address or training.venue_name
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": training.title,
        "description": training.summary,
        "startDate": _wib(training.starts_at),
        "endDate": _wib(training.ends_at),
        "eventStatus": EVENT_STATUS.get(training.status, "https://schema.org/EventScheduled"),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": training.venue_name,
            "address": {"@type": "PostalAddress", "streetAddress": address, "addressCountry": "ID"},
        },
        "organizer": {"@type": "Organization", "name": training.organiser or organizer, "url": organizer_url},
        "url": url,
        "inLanguage": "id",
    }
    if image:
        data["image"] = [image.url]
    return data


def _wib(moment) -> str:
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _root_url(site, url: str) -> str:
    return site.root_url + "/" if site is not None else urljoin(url, "/")


def _images_of(page, *, site, site_settings):
    """The pictures ``page`` may be shared with, best first (read only as far as needed): its own,
    the home page's hero, the site's logo."""
    yield getattr(page, "share_image", None)
    if site is not None:
        yield getattr(site.root_page.specific, "hero_image", None)
    if site_settings is not None:
        yield site_settings.logo


@functools.cache
def _og_filter():
    """OG_IMAGE_FILTER parsed once per process (Wagtail parses a spec string on every call; the spec never changes)."""
    from wagtail.images.models import Filter

    return Filter(spec=OG_IMAGE_FILTER)


def _picture(images, *, base_url: str) -> Picture | None:
    """The first of ``images`` that can be drawn: an upload whose file is gone (a server restored
    without its media) is passed over with a warning, and the page is still served."""
    for image in images:
        if image is None:
            continue
        try:
            rendition = image.get_rendition(_og_filter())
        except SourceImageIOError:
            logger.warning("sharing: the file of image %s (%s) cannot be read; passed over", image.pk, image.file.name)
            continue
        return Picture(
            url=urljoin(base_url, rendition.url),
            width=rendition.width,
            height=rendition.height,
            alt=getattr(image, "description", "") or image.title,
        )
    return None
