"""The uncached render's shortcuts (issue 16, bench/RESULTS.md "The article at 3x served") write
exactly what the code they replace wrote, and keep nothing from one request for the next."""

import datetime
import io

import pytest
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


ATTRIBUTE_CASES = [
    {},
    {"src": "/media/a b.jpg", "width": 800, "height": 450, "alt": 'Kopi & "Kue" <b>'},
    {"alt": "", "loading": "lazy", "hidden": True, "disabled": False, "title": None, "class": "x y"},
    {"data-copy": "a'b", "sizes": "(min-width: 45rem) 42rem, 100vw", "async": True, "defer": True},
]


@pytest.mark.parametrize("attrs", ATTRIBUTE_CASES)
def test_attributes_are_written_as_flatatt_writes_them(attrs):
    from django.forms.utils import flatatt
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from core import html

    assert html.attributes(attrs) == flatatt(attrs)
    with_markup = {**attrs, "title": mark_safe("<i>aman</i>"), "lang": gettext_lazy("Search")}
    assert html.attributes(with_markup) == flatatt(with_markup)


def _image():
    from django.core.files.images import ImageFile
    from PIL import Image
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), (20, 120, 60)).save(buffer, format="JPEG")
    return get_image_model().objects.create(
        title="Foto & uji", file=ImageFile(buffer, name="uji.jpg"), description='Alt "uji" & <kue>'
    )


def test_a_renditions_img_tag_is_wagtails():
    from wagtail.images.models import AbstractRendition

    rendition = _image().get_rendition("width-400|format-webp")
    extra = {"sizes": "100vw", "loading": "lazy", "class": "a&b", "srcset": "/x 400w, /y 800w", "hidden": True}
    for attributes in (None, {}, extra):
        assert rendition.img_tag(attributes) == AbstractRendition.img_tag(rendition, attributes)


def test_a_paragraph_is_written_as_its_template_wrote_it(demo_site):
    from django.template import Context, Template
    from wagtail.models import Page
    from wagtail.rich_text import RichText

    from news.blocks import ParagraphBlock

    page = Page.objects.get(depth=3, slug="berita")
    source = (
        f'<p>Kopi &amp; <b>kue</b>, <a linktype="page" id="{page.pk}">berita</a> dan <i>lain</i>.</p>'
        "<ul><li>satu</li></ul>"
    )
    before = Template("{% load wagtailcore_tags %}{{ value|richtext }}\n")  # news/blocks/paragraph.html
    for text in (source, ""):
        value = RichText(text)
        assert ParagraphBlock().render(value) == before.render(Context({"value": value}))
        assert ParagraphBlock().render(value, context=Context({"page": page})) == before.render(
            Context({"value": value})
        )


def test_a_preview_shows_the_categories_in_the_editors_form(client, roles):
    from news.models import NewsArticlePage, NewsCategory

    article = NewsArticlePage.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/")
    chosen = NewsCategory.objects.create(name="Kategori pratinjau zebra", slug="pratinjau-zebra")
    article.categories = [chosen]
    html = article.make_preview_request().content.decode()
    header = html[html.index('class="article__categories"') : html.index('class="article__title"')]
    assert "Kategori pratinjau zebra" in header
    assert "Kategori pratinjau zebra" not in client.get(article.url).content.decode()


def test_a_pages_url_is_worked_out_again_for_another_request_or_path(demo_site):
    from news.models import NewsArticlePage

    article = NewsArticlePage.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/")
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    first = factory.get("/")
    assert article.get_url(first) == "/berita/rapat-koordinasi-umkm-agenda-prioritas/"
    article.url_path = article.url_path.replace("rapat-koordinasi", "rapat-dipindah")  # moved, same request
    assert article.get_url(first) == "/berita/rapat-dipindah-umkm-agenda-prioritas/"
    assert article.get_url(factory.get("/")) == "/berita/rapat-dipindah-umkm-agenda-prioritas/"
    assert article.get_full_url(None) == "http://127.0.0.1:8000/berita/rapat-dipindah-umkm-agenda-prioritas/"


def test_static_urls_are_kept_while_the_manifest_is_the_same(tmp_path, settings):
    from core.staticfiles import StaticFilesStorage

    settings.DEBUG = False
    storage = StaticFilesStorage(location=str(tmp_path), base_url="/static/")
    storage.hashed_files = {"css/site.css": "css/site.1.css"}
    assert storage.url("css/site.css") == "/static/css/site.1.css"
    storage.hashed_files["css/site.css"] = "css/site.2.css"  # the same manifest, changed in place
    storage.hashed_files["js/new.js"] = "js/new.1.js"  # ... grows, as collectstatic makes it
    assert storage.url("css/site.css") == "/static/css/site.2.css"
    storage.hashed_files = {"css/site.css": "css/site.3.css", "js/new.js": "js/new.1.js"}  # another one
    assert storage.url("css/site.css") == "/static/css/site.3.css"
    assert storage.url("css/site.css", force=True) == "/static/css/site.3.css"


@pytest.mark.parametrize("text", ["Agenda & <prioritas>", "Kopi \"Kue\" 'Ma'had'", ""])
def test_a_heading_is_written_as_its_template_wrote_it(text):
    from django.template import Context, Template

    from news.blocks import HeadingBlock

    before = Template('<h2 class="article-body__heading">{{ value }}</h2>\n')  # news/blocks/heading.html
    assert HeadingBlock().render(text) == before.render(Context({"value": text}))


def test_a_card_dates_its_article_as_the_date_filter_did(demo_site):
    from django.template import Context, Template

    from news.models import NewsArticlePage

    article = NewsArticlePage.objects.order_by("pk").first()
    for day in (datetime.date(2026, 12, 7), datetime.date(999, 1, 2)):
        article.date = day
        before = Template("{{ article.date|date:'Y-m-d' }}").render(Context({"article": article}))
        assert Template("{{ article.date.isoformat }}").render(Context({"article": article})) == before


def test_a_clusterable_model_still_takes_its_children_as_keywords(demo_site):
    from modelcluster.models import ClusterableModel

    from core import patches
    from news.models import NewsArticlePage, NewsCategory

    assert ClusterableModel.__init__ is patches._init_without_keywords_skips_the_scan
    category = NewsCategory.objects.order_by("pk").first()
    article = NewsArticlePage(
        title="Dengan kata kunci", intro="x", date=datetime.date(2030, 1, 1), categories=[category]
    )
    assert list(article.categories.all()) == [category] and article.title == "Dengan kata kunci"
    read = NewsArticlePage.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/")
    assert read.pk and read.title and read.category_list


@pytest.mark.parametrize(
    "value",
    ["Nur'aini & Jum'at <b>", 'Kopi "Kue"', "", 62, None, 3.5, ["Ma'had"]],
)
def test_escape_writes_what_djangos_escape_wrote(value):
    from django.template import Context, Template
    from django.utils import html as django_html
    from django.utils.safestring import SafeString, mark_safe

    from core import patches

    assert django_html.escape is patches.escape  # what conditional_escape, so every template, calls
    escaped = patches.escape(value)
    assert escaped == patches._django_escape(value) and isinstance(escaped, SafeString)
    # A safe string is escaped again by escape(), and left alone by templates.
    assert patches.escape(mark_safe("<i>a&b</i>")) == "&lt;i&gt;a&amp;b&lt;/i&gt;"
    text = str(value)
    assert Template("{{ v }}|{{ s }}").render(Context({"v": text, "s": mark_safe("<i>x</i>")})) == (
        f"{patches._django_escape(text)}|<i>x</i>"
    )


def test_escape_of_a_lazy_string_stays_lazy_and_follows_the_language():
    from django.utils import translation
    from django.utils.functional import Promise
    from django.utils.translation import gettext_lazy

    from core import patches

    escaped = patches.escape(gettext_lazy("Search"))
    assert isinstance(escaped, Promise)
    with translation.override("id"):
        assert str(escaped) == "Cari"
    with translation.override("en"):
        assert str(escaped) == "Search"


def test_a_csrf_secret_or_mask_draws_each_of_the_62_characters_equally_often():
    from collections import Counter

    from django.middleware import csrf
    from django.test import RequestFactory

    from core import patches

    assert csrf._get_new_csrf_string is patches.new_csrf_string
    draws = [csrf._get_new_csrf_string() for _ in range(20_000)]
    assert {len(draw) for draw in draws} == {csrf.CSRF_SECRET_LENGTH}
    assert len(set(draws)) == len(draws)
    counts = Counter("".join(draws))
    assert set(counts) == set(csrf.CSRF_ALLOWED_CHARS)
    expected = len(draws) * csrf.CSRF_SECRET_LENGTH / len(csrf.CSRF_ALLOWED_CHARS)  # 10,323 each
    # About 100 either way by chance; a byte taken modulo 62 without dropping 248-255 would give
    # the first eight characters a quarter more.
    assert all(abs(count - expected) < 0.06 * expected for count in counts.values()), counts.most_common(10)
    # A token masks the cookie's secret as Django's middleware reads it back.
    request = RequestFactory().get("/")
    token = csrf.get_token(request)
    assert csrf._unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    assert csrf.get_token(request) != token  # a fresh mask on each call


def test_a_media_files_url_is_kept_per_name_while_the_base_url_is_the_same(tmp_path, settings):
    from django.core.files.storage import FileSystemStorage, default_storage

    from core.storages import MediaStorage

    settings.MEDIA_URL = "/media/"
    default_storage.url("x.jpg")  # the storage the site's files (and Wagtail's renditions) use
    assert type(default_storage._wrapped) is MediaStorage
    storage, django_storage = MediaStorage(location=str(tmp_path)), FileSystemStorage(location=str(tmp_path))
    names = ["images/foto Ma'had & kopi.width-400.webp", "images/Jum'at #1?.jpg", "original_images/ikan.jpg"]
    for name in [*names, *names]:
        assert storage.url(name) == django_storage.url(name)
    assert storage.url(names[0]) == "/media/images/foto%20Ma'had%20%26%20kopi.width-400.webp"
    settings.MEDIA_URL = "https://cdn.example.org/unggahan/"  # another base: worked out again
    assert storage.url(names[0]) == "https://cdn.example.org/unggahan/images/foto%20Ma'had%20%26%20kopi.width-400.webp"
    storage.kept_urls = 2  # only so many names are kept: the rest still answer
    assert [storage.url(name) for name in names] == [django_storage.url(name) for name in names]
