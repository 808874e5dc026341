"""Every public page answers in a few queries with every cache off, however much content there is.

Issue 16: at most 15 queries per page, and the same number with 5 articles as with 500, with 5
trainings as with 100; both with the tests' cache and with every cache alias a DummyCache (what
bench/uncached.py serves: nothing Wagtail keeps in a cache, Sites' root paths or renditions,
survives a request). The content is written straight into the tables (a Wagtail publish per
page would take minutes), the way the tree would hold it after publishing: live, in the tree,
in the search index, with categories, tags and an image.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page

from news.models import NewsArticlePage, NewsArticleTag, NewsCategory, NewsIndexPage
from programs.models import ProgramPage, TrainingPage

MAX_QUERIES = 15
DEMO_ARTICLE = "rapat-koordinasi-umkm-agenda-prioritas"
DEMO_TRAINING = "pelatihan-digital-marketing"


@pytest.fixture(params=["cache", "dummy cache"])
def caches_as_configured_or_off(request):
    """The tests' cache, then every cache alias a DummyCache (bench/uncached_settings.py)."""
    if request.param == "cache":
        yield
        return
    dummy = {alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"} for alias in settings.CACHES}
    with override_settings(CACHES=dummy):
        yield


def add_children(parent, model, rows: list[dict]) -> list:
    """Live children of ``parent`` as a publish leaves them, without a revision per page."""
    parent = Page.objects.get(pk=parent.pk)
    last = parent.get_last_child()
    step = Page._str2int(last.path[-Page.steplen :]) if last else 0
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(model)
    pages = []
    for number, fields in enumerate(rows, start=step + 1):
        page = model(
            **fields,
            path=Page._get_path(parent.path, parent.depth + 1, number),
            depth=parent.depth + 1,
            numchild=0,
            url_path=f"{parent.url_path}{fields['slug']}/",
            draft_title=fields["title"],
            live=True,
            first_published_at=now,
            last_published_at=now,
            content_type=content_type,
            locale_id=parent.locale_id,
        )
        page.save_base()  # the page and its own table; Wagtail's signals index it for search
        pages.append(page)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
    return pages


def grow_news(total: int) -> None:
    """Articles under the news index until there are ``total``, each with categories, tags and an image."""
    existing = NewsArticlePage.objects.count()
    index = NewsIndexPage.objects.get()
    categories = list(NewsCategory.objects.all())
    image = get_image_model().objects.first()
    today = timezone.localdate()
    rows = [
        {
            "title": f"Kabar Ma'had & PAC Ke-{n}",
            "slug": f"kabar-pac-{n}",
            "date": today - timedelta(days=n + 3),
            "intro": "Pengurus PAC Jum'at bersama kader membahas kaderisasi.",
            "feature_image": image,
            "body": [("paragraph", "<p>Kader membahas jadwal kaderisasi.</p>")],
        }
        for n in range(existing, total)
    ]
    articles = add_children(index, NewsArticlePage, rows)
    through = NewsArticlePage.categories.through
    through.objects.bulk_create(
        through(newsarticlepage_id=article.pk, newscategory_id=categories[n % len(categories)].pk)
        for n, article in enumerate(articles)
    )
    from taggit.models import Tag

    tags = [Tag.objects.get_or_create(slug=slug, defaults={"name": slug})[0] for slug in ("umkm", "kaderisasi")]
    NewsArticleTag.objects.bulk_create(
        NewsArticleTag(content_object_id=article.pk, tag=tags[n % 2]) for n, article in enumerate(articles)
    )
    assert NewsArticlePage.objects.live().count() == total


def grow_trainings(total: int) -> None:
    """Trainings under the demo program until there are ``total``, half of them over."""
    program = ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")
    existing = TrainingPage.objects.count()
    start = timezone.now().replace(microsecond=0)
    rows = []
    for n in range(existing, total):
        starts_at = start + timedelta(days=(n - total // 2) * 3)
        rows.append(
            {
                "title": f"Kelas Kopi & Kue Ke-{n}",
                "slug": f"kelas-kopi-kue-{n}",
                "summary": "Pelatihan sehari bagi kader.",
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=6),
                "venue_name": "Aula Kantor PC NU Batubara",
                "capacity": 25,
            }
        )
    add_children(program, TrainingPage, rows)
    assert TrainingPage.objects.live().count() == total


def news_urls() -> dict[str, str]:
    category = NewsCategory.objects.filter(articles__live=True).order_by("pk").first()
    return {
        "home": "/",
        "news index": "/berita/",
        "category": f"/berita/?kategori={category.slug}",
        "tag": "/berita/?tag=umkm",
        "second page": "/berita/?page=2",
        "article": NewsArticlePage.objects.get(slug=DEMO_ARTICLE).url,
        "feed": "/berita/feed/",
        # Words of the articles only (see the test: search is held to the bound, not to equality).
        "search": "/cari/?q=kabar",
        "sitemap": "/sitemap.xml",
    }


def program_urls() -> dict[str, str]:
    training = TrainingPage.objects.get(slug=DEMO_TRAINING)
    return {
        "home": "/",
        "program index": "/program/",
        "program": ProgramPage.objects.get(slug="pemberdayaan-umkm-kader").url,
        "training": training.url,
        "calendar": f"{training.url}kalender.ics",
        "all trainings calendar": "/program/kalender.ics",
    }


def query_counts(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        client.get(url)  # renditions are made on the first request, once
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert "X-Page-Cache" not in response.headers  # the page cache is off (test settings)
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_news_pages_take_the_same_few_queries_with_5_and_500_articles(client, demo_site, caches_as_configured_or_off):
    grow_news(5)
    small = query_counts(client, news_urls())
    grow_news(500)
    large = query_counts(client, news_urls())

    # Search costs one query per kind of page among the ten results it shows: bounded by the
    # site's page kinds, not by its size, but which kinds rank first differs by database
    # (PostgreSQL's stemming also finds a program page among 5 articles, not among 500).
    assert large.pop("search") <= MAX_QUERIES and small.pop("search") <= MAX_QUERIES
    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large
    assert_true_neighbours_and_crumbs(client)


@pytest.mark.django_db
def test_program_pages_take_the_same_few_queries_with_5_and_100_trainings(
    client, demo_site, caches_as_configured_or_off
):
    grow_trainings(5)
    small = query_counts(client, program_urls())
    grow_trainings(100)
    large = query_counts(client, program_urls())

    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large


def assert_true_neighbours_and_crumbs(client):
    """Among 500 articles the demo article still links the articles just older and newer."""
    article = NewsArticlePage.objects.get(slug=DEMO_ARTICLE)
    siblings = NewsArticlePage.objects.live().exclude(pk=article.pk)
    older = siblings.filter(date__lte=article.date).order_by("-date", "-pk").first()
    newer = siblings.filter(date__gte=article.date).order_by("date", "pk").first()
    older = older if older and (older.date, older.pk) < (article.date, article.pk) else None
    newer = newer if newer and (newer.date, newer.pk) > (article.date, article.pk) else None

    html = client.get(article.url).content.decode()

    assert older or newer
    if older:
        assert f'rel="prev" href="{older.url}"' in html
    if newer:
        assert f'rel="next" href="{newer.url}"' in html
    assert '<li><a href="/berita/">Berita</a></li>' in html  # breadcrumbs from the router's parents


@pytest.mark.parametrize("path", ["/anggota/", "/anggota/profil/", "/akun/email/"])
def test_a_members_own_pages_read_the_site_once_and_no_permission(client, make_active_member, make_training, path):
    """The pages the page cache never serves (a member's own) still read the Site and its settings
    in one query, and no permission: the Wagtail userbar is asked for staff only, by the session."""
    from members import enrollment

    member = make_active_member(full_name="Nur'aini Siregar")
    enrollment.enroll(member=member, training=make_training(title="Kopi & Kue di Ma'had"))
    client.force_login(member.user)
    assert client.get(path).status_code == 200  # the first asks once whether they are staff
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    assert "wagtail-userbar" not in response.content.decode()
    sql = [query["sql"] for query in queries.captured_queries]
    assert not [query for query in sql if "auth_permission" in query], sql
    assert len([query for query in sql if 'FROM "wagtailcore_site"' in query]) == 1, sql
    assert not [query for query in sql if 'FROM "home_sitesettings"' in query], "read with the Site"


def test_an_enrollment_post_reads_no_site(client, make_active_member, make_training):
    """A POST answered by a redirect draws no page: the Site and its settings are not read up front
    for it (a storm's every request). (The tests run the enrollment's follow-up in-process, at the
    commit: its email's links read the root paths, which the worker does in production.)"""
    from django.urls import reverse

    member = make_active_member(full_name="Muhammad Jum'at Lubis")
    training = make_training(title="Kopi & Kue di Ma'had")
    client.force_login(member.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("members:enroll", args=[training.pk]), HTTP_REFERER=f"http://testserver{training.url}"
        )
    assert response.status_code == 302
    sql = [query["sql"] for query in queries.captured_queries]
    assert not [query for query in sql if 'FROM "wagtailcore_site"' in query and '"home_sitesettings"' in query], sql
