"""The anonymous page cache (core/pagecache.py), as visitors, members and editors notice it.

The cache is off in the test settings (tests change rows in transactions that never commit);
the ``page_cache`` fixture turns it on, with the local-memory cache, empty, for one test.
"""

import gzip
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .services import require_redis

pytestmark = pytest.mark.django_db

HOME = "/"
NEWS = "/berita/"
ARTICLE = "/berita/rapat-koordinasi-umkm-agenda-prioritas/"
PROGRAMS = "/program/"
PROGRAM = "/program/pemberdayaan-umkm-kader/"
TRAINING = "/program/pemberdayaan-umkm-kader/pelatihan-digital-marketing/"
PUBLIC_PAGES = [HOME, NEWS, ARTICLE, PROGRAMS, PROGRAM, TRAINING]


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def visit(url, client=None, **headers):
    """An anonymous visitor's request (a new browser each time, unless ``client`` is given)."""
    response = (client or Client()).get(url, headers=headers)
    return response, response.content.decode()


def cache_state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


# -- hits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_second_anonymous_visit_is_served_from_the_cache_without_a_query(page_cache, demo_site, url):
    first, html = visit(url)
    assert first.status_code == 200
    assert cache_state(first) == "miss"
    with CaptureQueriesContext(connection) as queries:
        second, again = visit(url)
    assert cache_state(second) == "hit"
    assert again == html
    assert len(queries) == 0
    assert second["Content-Length"] == str(len(second.content))
    assert second["Content-Type"] == first["Content-Type"] == "text/html; charset=utf-8"
    # The headers computed inside the cached stack come along; no shared proxy mixes visitors.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"
    assert {"Cookie", "Accept-Encoding"} <= {part.strip() for part in second["Vary"].split(",")}
    # A cached page holds no per-visitor secret: no CSRF token, no CSP nonce, sets no cookie.
    assert "csrfmiddlewaretoken" not in html and "nonce" not in html
    assert "nonce-" not in second["Content-Security-Policy"]
    assert not second.cookies and not first.cookies


def test_cached_page_is_compressed_for_browsers_that_accept_gzip_and_revalidated_by_etag(page_cache, demo_site):
    _, html = visit(HOME)
    response = Client().get(HOME, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert cache_state(response) == "hit"
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).decode() == html
    assert int(response["Content-Length"]) < len(html.encode()) / 2
    not_modified, _ = visit(HOME, **{"If-None-Match": response["ETag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""
    head = Client().head(HOME)
    assert head.status_code == 200 and head.content == b"" and cache_state(head) == "hit"


# -- invalidation ----------------------------------------------------------------------------


def test_publishing_a_change_shows_at_once_to_the_next_anonymous_visitor(
    page_cache, demo_site, django_capture_on_commit_callbacks
):
    from news.models import NewsArticlePage

    for url in (HOME, NEWS, ARTICLE):
        visit(url)
        assert cache_state(visit(url)[0]) == "hit"
    article = NewsArticlePage.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/")
    article.title = "Rapat koordinasi diundur ke pekan depan"
    with django_capture_on_commit_callbacks(execute=True):  # the bump happens when the publish commits
        article.save_revision().publish()
    for url in (HOME, NEWS, ARTICLE):
        response, html = visit(url)
        assert cache_state(response) == "miss", url
        assert "Rapat koordinasi diundur ke pekan depan" in html, url


def test_editing_the_home_page_and_site_settings_shows_at_once(
    page_cache, demo_site, django_capture_on_commit_callbacks
):
    from home.models import SiteSettings

    visit(HOME)
    demo_site.intro = "Selamat datang di portal kader Ansor Batu Bara."
    with django_capture_on_commit_callbacks(execute=True):
        demo_site.save_revision().publish()
    assert "Selamat datang di portal kader Ansor Batu Bara." in visit(HOME)[1]

    visit(ARTICLE)
    site_settings = SiteSettings.objects.get()
    site_settings.phone = "0622 987654"
    with django_capture_on_commit_callbacks(execute=True):
        site_settings.save()
    assert 'href="tel:0622987654"' in visit(ARTICLE)[1]


def test_unpublished_article_is_gone_for_anonymous_visitors(page_cache, demo_site, django_capture_on_commit_callbacks):
    from news.models import NewsArticlePage

    visit(ARTICLE)
    assert cache_state(visit(ARTICLE)[0]) == "hit"
    assert ARTICLE in visit(NEWS)[1]
    with django_capture_on_commit_callbacks(execute=True):
        NewsArticlePage.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/").unpublish()
    assert visit(ARTICLE)[0].status_code == 404
    assert visit(ARTICLE)[0].status_code == 404
    assert ARTICLE not in visit(NEWS)[1]


def test_a_view_restricted_page_is_never_served_from_the_cache(
    page_cache, demo_site, django_capture_on_commit_callbacks
):
    from wagtail.models import Page, PageViewRestriction

    from news.models import NewsArticlePage

    article = NewsArticlePage.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/")
    _, public_html = visit(ARTICLE)
    assert article.intro[:40] in public_html
    # An editor makes the article private after it was cached.
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=Page.objects.get(pk=article.pk), restriction_type=PageViewRestriction.PASSWORD, password="rahasia"
        )
    for _ in range(2):
        response, html = visit(ARTICLE)
        assert cache_state(response) is None
        assert article.intro[:40] not in html
        assert 'name="password"' in html
    # A visitor who gave the password (a session) reads it, and it is not cached either.
    reader = Client()
    reader.post(
        f"/_util/authenticate_with_password/{article.view_restrictions.get().pk}/{article.pk}/",
        {"password": "rahasia", "return_url": ARTICLE},
    )
    response, html = visit(ARTICLE, reader)
    assert article.intro[:40] in html and cache_state(response) is None
    assert article.intro[:40] not in visit(ARTICLE)[1]


# -- per-visitor state -----------------------------------------------------------------------


def test_members_get_the_stored_page_with_their_own_state_never_each_others(
    page_cache, make_training, make_active_member
):
    from members import enrollment

    training = make_training(capacity=20)
    member_a, member_b = make_active_member(full_name="Ahmad Fauzi"), make_active_member(full_name="Budi Santoso")
    enrollment.enroll(member=member_a, training=training)
    client_a, client_b = Client(), Client()
    client_a.force_login(member_a.user)
    client_b.force_login(member_b.user)

    response, html = visit(training.url, client_a)
    assert cache_state(response) == "member-miss"  # stored as an anonymous visitor sees it
    assert "Anda terdaftar sebagai peserta pelatihan ini." in html and "Akun saya" in html

    for _ in range(2):
        response, html = visit(training.url)
        assert cache_state(response) == "hit"
        assert "Masuk untuk mendaftar" in html and "Sisa kursi: 19" in html
        assert "Anda terdaftar" not in html and "Akun saya" not in html and "Ahmad Fauzi" not in html

    response, html = visit(training.url, client_b)
    assert cache_state(response) == "member-hit"
    assert "Daftar sekarang" in html and "Anda terdaftar" not in html and "Masuk untuk mendaftar" not in html
    assert 'name="csrfmiddlewaretoken"' in html and "Akun saya" in html

    response, html = visit(training.url, client_a)
    assert "Anda terdaftar sebagai peserta pelatihan ini." in html and cache_state(response) == "member-hit"


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_seats_left_drop_for_anonymous_visitors_as_soon_as_a_member_enrolls(
    page_cache, make_training, make_active_member
):
    training = make_training(capacity=5)
    visit(training.url)
    visit(HOME)
    response, html = visit(training.url)
    assert cache_state(response) == "hit" and "Sisa kursi: 5" in html

    member = Client()
    member.force_login(make_active_member().user)
    # Through the real view: the enrollment commits, and the page cache hears of it on commit.
    assert member.post(f"/anggota/pelatihan/{training.pk}/daftar/").status_code == 302

    response, html = visit(training.url)
    assert cache_state(response) == "miss" and "Sisa kursi: 4" in html
    assert cache_state(visit(training.url)[0]) == "hit"
    # Pages that show no seat counts stay cached through an enrollment storm.
    assert cache_state(visit(HOME)[0]) == "hit"


@pytest.mark.django_db(transaction=True)
def test_the_seats_generation_moves_only_once_the_enrollment_is_there(
    page_cache, make_training, make_active_member, monkeypatch
):
    """A page drawn between a bump and the enrollment's commit would be kept, old seats and all,
    under the new generation: so the bump comes after the enrollment is committed (on PostgreSQL
    a request's enrollment is one statement in autocommit, members.enrollment._enroll_at_once)."""
    from core import pagecache
    from members.models import Enrollment

    training = make_training(capacity=1)
    members = [make_active_member(), make_active_member(full_name="Nur'aini Siregar")]
    seen = []
    bump = pagecache._bump

    def bump_and_look(scope):
        if scope == pagecache.SEATS:
            seen.append(Enrollment.objects.filter(training=training).count())
        bump(scope)

    monkeypatch.setattr(pagecache, "_bump", bump_and_look)
    for member in members:  # a seat, then the waiting list
        client = Client()
        client.force_login(member.user)
        assert client.post(f"/anggota/pelatihan/{training.pk}/daftar/").status_code == 302
    assert seen == [1, 2]


def test_cached_training_page_expires_when_enrollment_opens(page_cache, make_training, monkeypatch):
    opens_at = timezone.now() + timedelta(minutes=2)
    training = make_training(enrollment_opens_at=opens_at)
    response, html = visit(training.url)
    assert "Pendaftaran belum dibuka" in html
    assert cache_state(visit(training.url)[0]) == "hit"
    # Two minutes later the entry is gone (it was stored for at most that long), and the
    # page says enrollment is open.
    later = opens_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later.timestamp())
    response, html = visit(training.url)
    assert cache_state(response) == "miss"
    assert "Masuk untuk mendaftar" in html


def test_each_language_is_cached_apart(page_cache, demo_site):
    english, indonesian = Client(), Client()
    english.cookies["django_language"] = "en"
    for _ in range(2):
        response, html = visit(HOME, english)
        assert '<html lang="en">' in html and "Log in" in html and response["Content-Language"] == "en"
        response, html = visit(HOME, indonesian)
        assert '<html lang="id">' in html and "Masuk" in html and response["Content-Language"] == "id"
    assert cache_state(response) == "hit"
    # An unknown language in the cookie is served (and cached) as Indonesian.
    odd = Client()
    odd.cookies["django_language"] = "xx"
    assert '<html lang="id">' in visit(HOME, odd)[1]


def test_footer_language_links_switch_the_language_without_a_form(page_cache, demo_site):
    browser = Client()
    _, html = visit(ARTICLE, browser)
    assert 'action="/i18n/setlang/"' not in html
    link = re.search(r'href="(/bahasa/en/\?next=[^"]+)"', html).group(1).replace("&amp;", "&")
    response = browser.get(link)
    assert response.status_code == 302 and response["Location"] == ARTICLE
    assert response.cookies["django_language"].value == "en"
    assert "Related news" in visit(ARTICLE, browser)[1]
    assert "Berita terkait" in visit(ARTICLE)[1]
    back = browser.get("/bahasa/id/?next=/program/")
    assert back["Location"] == "/program/"
    assert "Pelatihan yang akan datang" in visit(PROGRAMS, browser)[1]


def test_language_link_never_redirects_off_site(client, demo_site):
    for target in ("https://jahat.example/", "//jahat.example/", "javascript:alert(1)", ""):
        response = client.get("/bahasa/en/", {"next": target})
        assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/bahasa/fr/?next=/").status_code == 404


# -- what is never cached --------------------------------------------------------------------


def test_cookies_that_matter_bypass_the_cache_and_others_do_not(page_cache, demo_site):
    visit(NEWS)
    with_analytics = Client()
    with_analytics.cookies["_ga"] = "GA1.1.1"
    with_analytics.cookies["csrftoken"] = "x" * 32
    assert cache_state(visit(NEWS, with_analytics)[0]) == "hit"
    # A session (here one the server does not know): never the anonymous copy as stored, but
    # the stored page with the visitor's own parts drawn for them; a message: the whole stack.
    for name, expected in (("sessionid", "member-hit"), ("messages", None)):
        other = Client()
        other.cookies[name] = "whatever"
        response, html = visit(NEWS, other)
        assert cache_state(response) == expected and "Masuk" in html, name
    # Other addresses are other entries: a query string is part of the key.
    assert cache_state(visit(NEWS + "?kategori=umkm")[0]) == "miss"
    assert cache_state(Client().post(NEWS)) is None


def test_made_up_addresses_are_served_but_never_stored(page_cache, demo_site):
    """Tracking tags, unknown filters, odd page numbers: the cache holds real listings only."""
    for query in ("?utm_source=wa", "?fbclid=IwAR0", "?kategori=tidak-ada", "?page=abc", "?page=99", "?tag=uji&tag=x"):
        for _ in range(2):
            response = Client().get(NEWS + query)
            assert response.status_code == 200 and cache_state(response) is None, query
    assert "Tidak ada kategori" in visit(NEWS + "?kategori=tidak-ada")[1]
    for query in ("?kategori=umkm", "?page=1", "?kategori=umkm&tahun=2021"):
        assert cache_state(visit(NEWS + query)[0]) == "miss", query
        assert cache_state(visit(NEWS + query)[0]) == "hit", query
    for url in (ARTICLE, TRAINING, HOME):
        assert cache_state(visit(url + "?utm_source=wa")[0]) is None, url


def test_responses_that_use_a_csrf_token_or_the_csp_nonce_are_not_stored(page_cache, rf, settings):
    """A page that put a visitor's CSRF token or a CSP nonce in its HTML must not reach others."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.middleware.csp import ContentSecurityPolicyMiddleware
    from django.middleware.csrf import get_token

    from core.pagecache import AnonymousPageCacheMiddleware, mark_cacheable

    def page(uses):
        def view(request):
            request.user = AnonymousUser()
            mark_cacheable(request)
            if uses == "csrf":
                return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')
            if uses == "nonce":
                return HttpResponse(f'<script nonce="{request._csp_nonce}">go()</script>')
            return HttpResponse("<p>Sama untuk semua.</p>")

        return AnonymousPageCacheMiddleware(ContentSecurityPolicyMiddleware(view))

    for uses in ("csrf", "nonce", "nothing"):
        stack = page(uses)
        bodies = []
        for _ in range(2):
            request = rf.get(f"/{uses}/")
            request.COOKIES["csrftoken"] = "a" * 32  # an old cookie: get_token() sets none
            request.META["CSRF_COOKIE"] = "a" * 32
            bodies.append(stack(request))
        states = [cache_state(response) for response in bodies]
        assert states == ([None, None] if uses != "nothing" else ["miss", "hit"]), uses


def test_page_cache_works_on_redis(page_cache, settings, demo_site, django_capture_on_commit_callbacks):
    """Production's cache: entries and generations shared by every gunicorn worker."""
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": require_redis()}}
    cache.clear()
    try:
        assert cache_state(visit(NEWS)[0]) == "miss"
        response, html = visit(NEWS)
        assert cache_state(response) == "hit" and "Berita" in html
        from news.models import NewsArticlePage

        article = NewsArticlePage.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/")
        article.title = "Judul yang diperbarui"
        with django_capture_on_commit_callbacks(execute=True):
            article.save_revision().publish()
        response, html = visit(NEWS)
        assert cache_state(response) == "miss" and "Judul yang diperbarui" in html
    finally:
        cache.clear()


def test_on_redis_a_bump_is_one_round_trip_and_a_new_generation(page_cache, settings, monkeypatch):
    """A generation goes up by one round trip (SET NX and INCR in one script); a missing one starts
    at a value no earlier generation had, as with the local cache."""
    import redis.connection

    from core import pagecache

    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": require_redis()}}
    cache.clear()
    key = pagecache.GENERATION_KEYS[pagecache.SEATS]
    sent = []
    original = redis.connection.Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    try:
        before = pagecache._fresh_generation()
        monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)
        pagecache._bump(pagecache.SEATS)
        assert len(sent) == 1
        monkeypatch.undo()
        first = cache.get(key)
        assert first > before
        pagecache._bump(pagecache.SEATS)
        assert cache.get(key) == first + 1
    finally:
        cache.clear()


# -- issue 13, finding 7: nobody fills the cache -----------------------------------------------


def page_keys() -> list[str]:
    """The page entries the test cache holds (local memory, or this test's prefix in Redis)."""
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # LocMemCache
        return [key for key in backend if "pagecache:page:" in key]
    client = cache._cache.get_client()
    return [key.decode() for key in client.keys(f"{cache.key_prefix}:*pagecache:page:*")]


def storm(count: int = 300):
    """What the attacker sent: made-up ``?page=`` values and ``Host`` ports, 300 times."""
    import random

    chooser = random.Random(13)  # noqa: S311 - repeatable made-up addresses, no secret
    states = []
    for number in range(count):
        host = f"testserver:{chooser.randrange(1, 65536)}"
        url = ["/berita/feed/?page=x", NEWS + "?page=", ARTICLE + "?page="][number % 3] + f"{chooser.getrandbits(64):x}"
        response = Client().get(url, headers={"host": host})
        assert response.status_code == 200, url
        states.append(cache_state(response))
    return states


def test_made_up_queries_and_host_ports_leave_a_handful_of_entries(page_cache, demo_site):
    states = storm()
    assert set(states) == {None}  # answered, never stored
    assert len(page_keys()) == 0
    # Canonical addresses are still cached, once, whatever port the Host header names.
    for number, url in enumerate(["/berita/feed/", NEWS, NEWS + "?kategori=umkm"]):
        first = Client().get(url, headers={"host": f"testserver:{1000 + number}"})
        second = Client().get(url, headers={"host": f"testserver:{2000 + number}"})
        assert (cache_state(first), cache_state(second)) == ("miss", "hit"), url
        assert second.content == first.content
    assert len(page_keys()) == 3


def test_the_same_filters_in_another_order_are_one_entry(page_cache, demo_site):
    assert cache_state(visit(NEWS + "?kategori=umkm&tahun=2021")[0]) == "miss"
    assert cache_state(visit(NEWS + "?tahun=2021&kategori=umkm")[0]) == "hit"
    assert len(page_keys()) == 1


def test_the_number_and_size_of_entries_are_bounded(page_cache, demo_site, settings):
    settings.PAGE_CACHE_MAX_ENTRIES = 3
    states = [cache_state(visit(url)[0]) for url in PUBLIC_PAGES]
    assert states == ["miss", "miss", "miss", None, None, None]
    assert len(page_keys()) == 3
    assert cache_state(visit(HOME)[0]) == "hit"  # what is stored is still served
    cache.clear()
    settings.PAGE_CACHE_MAX_ENTRY_BYTES = 2000
    assert [cache_state(visit(url)[0]) for url in (HOME, HOME)] == [None, None]
    assert len(page_keys()) == 0


def test_made_up_queries_and_host_ports_cannot_fill_redis(page_cache, settings, demo_site):
    """Production's Redis (which is also the broker): the same storm leaves no key there either."""
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": require_redis(), "KEY_PREFIX": "sec-pagecache"}
    }
    client = cache._cache.get_client()

    def clean():
        for key in client.keys("sec-pagecache:*"):
            client.delete(key)

    clean()
    try:
        assert set(storm()) == {None}
        assert page_keys() == []
        assert cache_state(visit("/berita/feed/", **{"host": "testserver:8443"})[0]) == "miss"
        assert cache_state(visit("/berita/feed/", **{"host": "testserver:9443"})[0]) == "hit"
        assert len(page_keys()) == 1
        # Besides Wagtail's own (renditions and site paths: bounded by the content), the entry,
        # the generations and the counter: nothing grew with the requests.
        ours = [key for key in client.keys("sec-pagecache:*") if b":wagtail" not in key]
        assert len(ours) <= 5, ours
    finally:
        clean()


# -- query counts as content grows (cache off: every request renders) ------------------------


@pytest.fixture
def grow_content(demo_site, make_training):
    """Add ``count`` articles (image, categories, tags) and trainings (districts, a partner with a logo)."""
    from django.core.files.images import ImageFile
    from PIL import Image
    from wagtail.images import get_image_model

    from core.models import District
    from news.models import NewsArticlePage, NewsCategory, NewsIndexPage
    from programs.models import Partner

    index = NewsIndexPage.objects.get()
    categories = list(NewsCategory.objects.all()[:2])
    districts = list(District.objects.all())
    made = iter(range(1, 1000))

    def image(title):
        buffer = io.BytesIO()
        Image.new("RGB", (1200, 800), (20, 120, 60)).save(buffer, format="JPEG")
        return get_image_model().objects.create(title=title, file=ImageFile(buffer, name="uji.jpg"), description=title)

    def grow(count):
        for _ in range(count):
            number = next(made)
            article = NewsArticlePage(
                title=f"Kegiatan kader ke-{number}",
                slug=f"kegiatan-kader-{number}",
                date=timezone.localdate() - timedelta(days=number),
                intro="Laporan kegiatan.",
                feature_image=image(f"Foto {number}"),
            )
            article.categories = categories
            article.tags.add("kaderisasi", f"angkatan-{number}")
            index.add_child(instance=article)
            article.save_revision().publish()
            partner = Partner.objects.create(name=f"Mitra Uji {number}", logo=image(f"Logo {number}"))
            make_training(districts=districts[: number % 4 + 1], partners=[partner])

    return grow


def queries_per_page(client) -> dict[str, int]:
    urls = [*PUBLIC_PAGES, "/berita/kegiatan-kader-1/", "/program/pemberdayaan-umkm-kader/pelatihan-uji-1/"]
    counts = {}
    for url in urls:
        assert client.get(url).status_code == 200, url  # creates the renditions once
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts[url] = len(queries)
    return counts


def test_query_counts_stay_constant_as_articles_trainings_and_partners_grow(client, grow_content):
    grow_content(3)
    few = queries_per_page(client)
    grow_content(6)
    many = queries_per_page(client)
    assert many == few
    assert max(many.values()) <= 30, many


def test_program_description_images_are_webp_renditions(client, program):
    from django.core.files.images import ImageFile
    from PIL import Image
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (200, 30, 30)).save(buffer, format="JPEG")
    photo = get_image_model().objects.create(title="Pelatihan", file=ImageFile(buffer, name="besar.jpg"))
    program.body = [("image", photo)]
    program.save_revision().publish()
    html = client.get(program.url).content.decode()
    figure = html[html.index('<div class="prose">') :]
    assert "<picture>" in figure and 'type="image/webp"' in figure
    assert "besar.jpg" not in figure  # never the 3000 px upload itself
