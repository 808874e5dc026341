"""A page shared on WhatsApp, Facebook or X, and read by Google: Open Graph, Twitter, JSON-LD.

The pages are parsed as those crawlers read them: the ``<meta>`` tags of the head, and the
text of each ``<script type="application/ld+json">`` as JSON.
"""

import json
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
PROGRAM = "/program/pemberdayaan-umkm-kader/"


class Head(HTMLParser):
    """The ``<title>``, meta tags (``property`` or ``name`` → content) and JSON-LD blocks of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.json_ld: list[dict] = []
        self.title = ""
        self._in = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta" and (key := attributes.get("property") or attributes.get("name")):
            self.meta.setdefault(key, attributes.get("content", ""))
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._in, self._text = "json_ld", []
        elif tag == "title":
            self._in, self._text = "title", []

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._in == "json_ld" and tag == "script":
            self.json_ld.append(json.loads("".join(self._text)))
        elif self._in == "title" and tag == "title":
            self.title = "".join(self._text)
        else:
            return
        self._in = None


def head_of(client, path: str) -> Head:
    response = client.get(path)
    assert response.status_code == 200, path
    return Head(response.content.decode())


def assert_shareable_picture(url: str):
    """An absolute URL of a JPEG rendition that exists (what WhatsApp fetches for the preview)."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "127.0.0.1:8000", url
    assert parts.path.startswith(settings.MEDIA_URL) and parts.path.endswith(".jpg"), url
    assert (settings.MEDIA_ROOT / parts.path.removeprefix(settings.MEDIA_URL)).is_file(), url


def test_a_training_shared_on_whatsapp_shows_its_title_summary_and_picture(client, make_training):
    training = make_training(title="Pelatihan Kopi & Kue untuk Kader", summary="Belajar membuat kue & kopi.")
    head = head_of(client, training.url)
    meta = head.meta
    assert meta["og:title"] == "Pelatihan Kopi & Kue untuk Kader"
    assert meta["og:description"] == "Belajar membuat kue & kopi."
    assert meta["og:url"] == SITE + training.url
    assert meta["og:type"] == "website"
    assert meta["twitter:card"] == "summary_large_image"
    # No picture of its own: its program's.
    assert_shareable_picture(meta["og:image"])
    assert "/pemberdayaan-umkm" in meta["og:image"]
    assert meta["og:image:width"] == "1200" and meta["og:image:height"] == "630"
    assert meta["twitter:image"] == meta["og:image"]


def test_a_training_is_a_schema_org_event_in_wib(client, make_training):
    from core.clock import WIB

    training = make_training(
        title="Pelatihan Tata Rias",
        starts_at=datetime(2031, 3, 8, 9, 0, tzinfo=WIB),
        ends_at=datetime(2031, 3, 8, 15, 30, tzinfo=WIB),
        venue_name="Aula Kantor PC NU Batubara",
        venue_address="Jl. Perintis Kemerdekaan, Lima Puluh, Batu Bara",
    )
    (event,) = head_of(client, training.url).json_ld
    assert event["@context"] == "https://schema.org" and event["@type"] == "Event"
    assert event["name"] == "Pelatihan Tata Rias"
    assert event["startDate"] == "2031-03-08T09:00:00+07:00"
    assert event["endDate"] == "2031-03-08T15:30:00+07:00"
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert event["location"]["@type"] == "Place"
    assert event["location"]["name"] == "Aula Kantor PC NU Batubara"
    assert event["location"]["address"]["streetAddress"] == "Jl. Perintis Kemerdekaan, Lima Puluh, Batu Bara"
    assert event["organizer"] == {
        "@type": "Organization",
        "name": "PC GP Ansor Kabupaten Batu Bara",
        "url": SITE + "/",
    }
    assert event["url"] == SITE + training.url
    assert_shareable_picture(event["image"][0])


@pytest.mark.parametrize(
    ("status", "schema_status"),
    [("cancelled", "https://schema.org/EventCancelled"), ("postponed", "https://schema.org/EventPostponed")],
)
def test_a_cancelled_or_postponed_training_says_so_to_search_engines(client, make_training, status, schema_status):
    training = make_training(status=status, status_reason="Hujan deras.")
    (event,) = head_of(client, training.url).json_ld
    assert event["eventStatus"] == schema_status


def test_names_that_close_a_script_stay_inside_the_json_ld(client, make_training):
    venue = "Ma'had Al-Ma'arif </script><script>alert(1)</script>"
    training = make_training(title="Kopi & Kue </script>", venue_name=venue, organiser="Jum'at & Nur'aini")
    response = client.get(training.url)
    html = response.content.decode()
    block = html[html.index('<script type="application/ld+json">') :]
    block = block[: block.index("</script>")]
    assert "<" not in block.removeprefix('<script type="application/ld+json">')
    (event,) = Head(html).json_ld
    assert event["name"] == "Kopi & Kue </script>"
    assert event["location"]["name"] == venue
    assert event["organizer"]["name"] == "Jum'at & Nur'aini"
    assert "alert(1)</script>" not in html.replace(block, "")


def test_a_program_shares_its_own_picture(client, program):
    meta = head_of(client, PROGRAM).meta
    assert meta["og:title"] == "Pemberdayaan UMKM Kader"
    assert meta["og:description"].startswith("Program Pemberdayaan UMKM Kader")  # its search description
    assert meta["og:url"] == SITE + PROGRAM
    assert meta["twitter:card"] == "summary_large_image"
    assert_shareable_picture(meta["og:image"])
    assert meta["og:image:alt"] == "Ilustrasi: Pemberdayaan UMKM kader"


def test_a_page_without_a_picture_shares_the_sites(client, demo_site, program):
    from home.models import SiteSettings

    logo = program.featured_image
    program.featured_image = None
    program.save_revision().publish()
    meta = head_of(client, PROGRAM).meta
    assert "og:image" not in meta and meta["twitter:card"] == "summary"

    site_settings = SiteSettings.objects.get()
    site_settings.logo = logo
    site_settings.save()
    meta = head_of(client, PROGRAM).meta
    assert_shareable_picture(meta["og:image"])
    assert meta["twitter:card"] == "summary_large_image"


def test_home_and_articles_are_shareable_and_the_home_title_names_the_site_once(client, demo_site):
    head = head_of(client, "/")
    assert head.title == "PC GP Ansor Batu Bara"
    assert head.meta["og:title"] == "PC GP Ansor Batu Bara"
    assert head.meta["og:url"] == SITE + "/"
    assert head.meta["og:description"].startswith("Berita, program kerja dan pelatihan kader")
    assert head.meta["og:type"] == "website"

    article = head_of(client, "/berita/rapat-koordinasi-umkm-agenda-prioritas/")
    assert article.title.endswith(" · GP Ansor Batu Bara")
    assert article.meta["og:type"] == "article"
    assert_shareable_picture(article.meta["og:image"])
    assert article.meta["twitter:card"] == "summary_large_image"
    (data,) = article.json_ld
    assert data["@type"] == "NewsArticle" and data["image"] == [article.meta["og:image"]]


def test_a_picture_whose_file_is_gone_leaves_the_page_up_and_shares_the_next_one(client, demo_site, program):
    """A cheap server loses an upload (a disk restored without media/): the program page still
    answers, shows its text, and offers the site's logo to WhatsApp instead of a broken link."""
    from wagtail.images import get_image_model

    from home import sharing
    from home.models import SiteSettings

    lost = program.featured_image
    logo = get_image_model().objects.exclude(pk=lost.pk).first()
    site_settings = SiteSettings.objects.get()
    site_settings.logo = logo
    site_settings.save()
    lost.file.storage.delete(lost.file.name)
    lost.renditions.all().delete()  # nothing drawn from it before the loss either

    response = client.get(PROGRAM)
    assert response.status_code == 200 and "Pemberdayaan UMKM Kader" in response.content.decode()
    meta = Head(response.content.decode()).meta
    assert meta["og:image"] == SITE + logo.get_rendition(sharing._og_filter()).url
    assert_shareable_picture(meta["og:image"])
