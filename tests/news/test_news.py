"""News as readers meet it: the index, an article, filters, feeds, search, sitemap, drafts."""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

MEETING_URL = "/berita/rapat-koordinasi-umkm-agenda-prioritas/"
MEETING_FULL_URL = "http://127.0.0.1:8000" + MEETING_URL


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_news_index_lists_the_demo_articles_newest_first(client, demo_site):
    html = html_of(client.get("/berita/"))
    assert "<h1>Berita</h1>" in html
    titles = re.findall(r'class="news-card__title"><a href="([^"]+)"', html)
    assert titles == [
        "/berita/pelatihan-umkm-kader-abon-ikan-pemasaran-digital/",
        "/berita/produk-lokal-batu-bara-rumah-kemasan/",
        MEETING_URL,
    ]
    assert "2 November 2021" in html  # Indonesian month names
    assert 'class="news-card__category">Organisasi<' in html
    # Responsive, lazy WebP images on the cards.
    assert 'srcset="' in html and ".format-webp.webp 400w" in html and ".format-webp.webp 800w" in html
    assert 'loading="lazy"' in html
    # The index is in the main menu and offers its feed.
    assert 'href="/berita/"' in html
    assert 'type="application/rss+xml"' in html


def test_article_page_reads_as_a_news_article(client, demo_site):
    html = html_of(client.get(MEETING_URL))
    assert "Rapat Koordinasi PC GP Ansor Batu Bara" in html
    assert "Selasa, 2 November 2021" in html
    assert "BATU BARA</strong>" in html  # dateline
    assert "Dewi Ariani Margolang" in html
    assert "<blockquote>" in html and "Burhan, Ketua PC GP Ansor Batu Bara" in html
    # Breadcrumbs: home, news, this article.
    assert '<nav class="breadcrumbs"' in html and 'href="/berita/">Berita</a>' in html
    # Responsive picture with WebP sources at several widths.
    assert "<picture>" in html and 'type="image/webp"' in html and " 1200w" in html
    # Share links, WhatsApp first.
    share = html[html.index('class="share__list"') :]
    assert share.index("https://wa.me/?text=") < share.index("facebook.com/sharer") < share.index("twitter.com/intent")
    assert "data-copy-url" in html
    # SEO: canonical, Open Graph, Twitter, JSON-LD (a data block: no CSP nonce, the page stays cacheable).
    assert f'<link rel="canonical" href="{MEETING_FULL_URL}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:url" content="{MEETING_FULL_URL}">' in html
    assert '<meta property="og:image" content="http://127.0.0.1:8000/media/' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match and "nonce" not in html
    data = json.loads(match.group(1))
    assert data["@type"] == "NewsArticle"
    assert data["datePublished"].startswith("2021-11-02T00:00:00+07:00")
    assert data["author"]["name"] == "HZ"
    # Related news by category and the neighbour (there is nothing older than the first article).
    assert 'id="related-heading"' in html
    assert 'rel="next" href="/berita/produk-lokal-batu-bara-rumah-kemasan/"' in html
    assert 'rel="prev"' not in html


def test_article_json_ld_cannot_break_out_of_its_script(client, make_article):
    make_article("Judul </script><script>alert(1)</script>", slug="judul-aneh", intro="a & b < c")
    html = html_of(client.get("/berita/judul-aneh/"))
    ld = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1)
    assert "<" not in ld
    assert json.loads(ld)["headline"].startswith("Judul </script>")


def test_category_tag_and_year_filters(client, demo_site, make_article):
    make_article("Pelantikan PAC Talawi", date=datetime.date(2023, 5, 1), categories=["organisasi"], tags=["PAC"])
    html = html_of(client.get("/berita/", {"kategori": "umkm"}))
    assert "Rumah Kemasan" in html and "Pelantikan PAC Talawi" not in html
    assert "Berita: UMKM" in html

    html = html_of(client.get("/berita/", {"tag": "pac"}))
    assert "Pelantikan PAC Talawi" in html and "Rumah Kemasan" not in html

    html = html_of(client.get("/berita/", {"tahun": "2023"}))
    assert "Pelantikan PAC Talawi" in html and "Rumah Kemasan" not in html
    html = html_of(client.get("/berita/", {"tahun": "2021", "kategori": "organisasi"}))
    assert "Rapat Koordinasi" in html and "Pelantikan PAC Talawi" not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kategori": "tidak-ada"}, "Tidak ada kategori “tidak-ada”."),
        ({"tag": "<b>x</b>"}, "Tidak ada tag “&lt;b&gt;x&lt;/b&gt;”."),
        ({"tahun": "dua-ribu"}, "“dua-ribu” bukan tahun."),
    ],
)
def test_unknown_filter_values_give_a_normal_page_with_a_message(client, demo_site, params, message):
    html = html_of(client.get("/berita/", params))
    assert message in html
    assert "news-card__title" not in html
    assert "Tampilkan semua berita" in html


def test_pagination_edges(client, demo_site, make_article):
    for number in range(13):
        make_article(f"Kabar nomor {number}", date=datetime.date(2024, 1, 1) + datetime.timedelta(days=number))
    first = html_of(client.get("/berita/"))
    assert first.count('class="news-card__title"') == 12
    assert "Halaman 1 dari 2" in first and 'rel="next" href="?page=2"' in first
    last = html_of(client.get("/berita/", {"page": "2"}))
    assert last.count('class="news-card__title"') == 4  # the 3 demo articles are the oldest
    assert "Rapat Koordinasi" in last
    assert html_of(client.get("/berita/", {"page": "999"})).count("Rapat Koordinasi") >= 1  # last page
    assert "Halaman 1 dari 2" in html_of(client.get("/berita/", {"page": "abc"}))
    assert "Halaman 2 dari 2" in html_of(client.get("/berita/", {"page": "-3"}))
    filtered = html_of(client.get("/berita/", {"tahun": "2024", "page": "1"}))
    assert 'href="?tahun=2024&amp;page=2"' in filtered


def _rss_items(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel"), root.findall("channel/item")


def test_rss_feed_has_absolute_links_and_wib_dates(client, demo_site):
    channel, items = _rss_items(client.get("/berita/feed/"))
    assert channel.findtext("link") == "http://127.0.0.1:8000/berita/"
    meeting = next(item for item in items if item.findtext("link") == MEETING_FULL_URL)
    assert meeting.findtext("title").startswith("Rapat Koordinasi PC GP Ansor Batu Bara")
    assert meeting.findtext("pubDate") == "Tue, 02 Nov 2021 00:00:00 +0700"
    assert "Aula Kantor PC NU Batubara" in meeting.findtext("description")
    assert {category.text for category in meeting.findall("category")} == {"Organisasi", "UMKM"}
    assert channel.findtext("lastBuildDate").endswith("+0700")


def test_category_feed_holds_only_that_category(client, demo_site):
    _, items = _rss_items(client.get("/berita/feed/kaderisasi/"))
    assert [item.findtext("title") for item in items] == [
        "Pelatihan UMKM untuk Kader: dari Abon Ikan hingga Pemasaran Digital"
    ]
    assert client.get("/berita/feed/tidak-ada/").status_code == 404


def test_search_finds_the_article_by_a_word_of_its_body(client, demo_site):
    # "Margolang" is only in the meeting article's body, not in its title or intro.
    html = html_of(client.get("/cari/", {"q": "Margolang"}))
    assert f'href="{MEETING_URL}"' in html
    assert "<mark>Margolang</mark>" in html
    html = html_of(client.get("/cari/", {"q": "abon"}))
    assert "<mark>abon</mark>" in html and "/berita/pelatihan-umkm-kader-abon-ikan-pemasaran-digital/" in html


@pytest.mark.parametrize("query", ['"abon', "abon'", "((", "a:b", "NOT", "-abon*", "\x00abon", "x" * 5000, "!&|"])
def test_search_survives_odd_input(client, demo_site, query):
    response = client.get("/cari/", {"q": query, "page": "zz"})
    assert response.status_code == 200


def test_sitemap_lists_the_articles(client, demo_site):
    body = client.get("/sitemap.xml").content.decode()
    assert f"<loc>{MEETING_FULL_URL}</loc>" in body
    assert "<loc>http://127.0.0.1:8000/berita/</loc>" in body


def test_a_draft_is_visible_nowhere(client, demo_site, make_article):
    make_article(
        "Rancangan rahasia zebrakuda", slug="rancangan-rahasia", categories=["umkm"], tags=["UMKM"], publish=False
    )
    assert client.get("/berita/rancangan-rahasia/").status_code == 404
    for path, params in [("/berita/", {}), ("/berita/", {"kategori": "umkm"}), ("/berita/", {"tag": "umkm"})]:
        assert "zebrakuda" not in html_of(client.get(path, params))
    assert b"zebrakuda" not in client.get("/berita/feed/").content
    assert b"zebrakuda" not in client.get("/berita/feed/umkm/").content
    assert "rancangan-rahasia" not in client.get("/sitemap.xml").content.decode()
    html = html_of(client.get("/cari/", {"q": "zebrakuda"}))
    assert "Tidak ada hasil" in html
    assert "zebrakuda" not in html_of(client.get("/"))


def test_an_article_shows_what_editors_changed_on_the_next_request(client, demo_site, make_article):
    """Its reads are compiled once per process (core/prepared.py), its rows read every time: a publish,
    an unpublish, a new menu page and a view restriction show at once, and a private page never does."""
    from wagtail.models import Page, PageViewRestriction

    older = make_article("Kabar lama bersama", slug="kabar-lama", date=datetime.date(2030, 1, 1), categories=["umkm"])
    middle = make_article(
        "Kabar tengah bersama", slug="kabar-tengah", date=datetime.date(2030, 1, 2), categories=["umkm"]
    )
    url = middle.url
    html = html_of(client.get(url))
    assert 'rel="prev" href="/berita/kabar-lama/"' in html and 'rel="next"' not in html  # the newest article
    assert "Kabar lama bersama" in html[html.index('id="related-heading"') :]

    newer = make_article("Kabar baru bersama", slug="kabar-baru", date=datetime.date(2030, 1, 3), categories=["umkm"])
    html = html_of(client.get(url))
    assert 'rel="next" href="/berita/kabar-baru/"' in html
    assert "Kabar baru bersama" in html[html.index('id="related-heading"') :]

    # A restricted page is in no list, whatever the number of restrictions (the SQL's shape changes).
    PageViewRestriction.objects.create(page=newer, restriction_type=PageViewRestriction.PASSWORD, password="rahasia")
    html = html_of(client.get(url))
    assert "kabar-baru" not in html and "Kabar baru bersama" not in html
    PageViewRestriction.objects.create(page=older, restriction_type=PageViewRestriction.LOGIN)
    html = html_of(client.get(url))
    # The previous article is now an older one (the demo's), not the restricted one.
    assert "kabar-lama" not in html and "kabar-baru" not in html and 'rel="prev" href="/berita/' in html
    PageViewRestriction.objects.filter(page=older).delete()
    assert 'rel="prev" href="/berita/kabar-lama/"' in html_of(client.get(url))

    older.unpublish()
    html = html_of(client.get(url))
    assert "kabar-lama" not in html and "Kabar lama bersama" not in html

    # The main menu and the article's own fields are read again too.
    home = Page.objects.get(depth=2)
    home.add_child(instance=Page(title="Menu baru zebra", slug="menu-baru", show_in_menus=True, live=True))
    middle.title = "Kabar tengah diubah"
    middle.save_revision().publish()
    html = html_of(client.get(url))
    assert "Menu baru zebra" in html[html.index('class="site-nav"') :] and "<h1" in html
    assert "Kabar tengah diubah" in html


def test_home_page_shows_the_featured_and_latest_articles(client, demo_site):
    html = html_of(client.get("/"))
    featured = html[html.index('class="news-featured"') :]
    assert MEETING_URL in featured[: featured.index("</article>")]
    assert "Berita terbaru" in html
    assert "/berita/produk-lokal-batu-bara-rumah-kemasan/" in html
    # The featured article is not repeated among the latest cards.
    assert html.count(f'href="{MEETING_URL}"') == 2  # image link and title link


def test_seed_demo_is_idempotent_for_news(demo_site):
    from django.core.management import call_command

    from news.models import NewsArticlePage, NewsCategory

    before = (NewsArticlePage.objects.count(), NewsCategory.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (NewsArticlePage.objects.count(), NewsCategory.objects.count()) == before == (3, 4)


def _index_queries(client) -> int:
    client.get("/berita/")  # the first visit creates the renditions
    with CaptureQueriesContext(connection) as queries:
        html = html_of(client.get("/berita/"))
    assert html.count('class="news-card__title"') == html.count("<img ")
    return len(queries)


def test_index_runs_a_constant_number_of_queries(client, make_article, make_image):
    from news.models import NewsArticlePage

    NewsArticlePage.objects.all().delete()

    def add(numbers):
        for number in numbers:
            make_article(
                f"Artikel {number}",
                date=datetime.date(2024, 1, 1) + datetime.timedelta(days=number),
                categories=["umkm", "program"],
                tags=["uji"],
                feature_image=make_image(f"Foto {number}"),
            )

    add(range(5))
    with_5 = _index_queries(client)
    add(range(5, 50))
    with_50 = _index_queries(client)
    assert with_5 == with_50
    assert with_50 <= 20


def test_editors_get_the_article_form_in_the_admin(client, demo_site, django_user_model):
    from news.models import NewsArticlePage, NewsIndexPage

    admin = django_user_model.objects.create_superuser(email="redaksi@example.org", password="x")
    client.force_login(admin)
    article = NewsArticlePage.objects.get(slug="rapat-koordinasi-umkm-agenda-prioritas")
    html = html_of(client.get(f"/admin/pages/{article.pk}/edit/"))
    assert "Tanggal terbit" in html and "Kategori dan tag" in html and "Program terkait" in html
    index = NewsIndexPage.objects.get()
    assert client.get(f"/admin/pages/add/news/newsarticlepage/{index.pk}/").status_code == 200
    assert client.get("/admin/snippets/news/newscategory/").status_code == 200


def test_a_draft_saves_without_a_category_but_publishing_needs_one(client, news_index, django_user_model):
    """Wagtail's autosave posts the form as a draft: a missing category must not refuse it (400)."""
    from news.models import NewsArticlePage

    admin = django_user_model.objects.create_superuser(email="redaksi@example.org", password="x")
    client.force_login(admin)
    url = f"/admin/pages/add/news/newsarticlepage/{news_index.pk}/"
    form = {
        "title": "Draf tanpa kategori",
        "slug": "draf-tanpa-kategori",
        "date": "2024-05-01",
        "intro": "Belum selesai.",
        "body-count": "0",
        "related_pages-TOTAL_FORMS": "0",
        "related_pages-INITIAL_FORMS": "0",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
    }
    response = client.post(url, form, headers={"Accept": "application/json"})  # what the autosave sends
    assert response.status_code == 200, response.content
    draft = NewsArticlePage.objects.get(slug="draf-tanpa-kategori")
    assert not draft.live

    response = client.post(f"/admin/pages/{draft.pk}/edit/", form | {"action-publish": "1"})
    assert response.status_code == 200  # the form again, with Django's "This field is required." on categories
    assert "Kolom ini  harus diisi." in response.content.decode()
    draft.refresh_from_db()
    assert not draft.live


def test_each_card_shows_its_own_articles_picture_drawn_once(client, make_article, make_image):
    """A card's picture is its own article's, also the first time its sizes are drawn, and a size
    once drawn is kept (a reader's next visit draws nothing again)."""
    from wagtail.images import get_image_model

    rendition_model = get_image_model().get_rendition_model()
    seen = make_article("Pasar Ma'had Talawi", categories=["umkm"], feature_image=make_image("Pasar"))
    first = make_article(
        "Kelas Jum'at UMKM", categories=["umkm"], feature_image=make_image("Kelas"), date=datetime.date(2024, 2, 1)
    )
    second = make_article(
        "Bazar Nur'aini & Kader", categories=["umkm"], feature_image=make_image("Bazar"), date=datetime.date(2024, 3, 1)
    )
    first.feature_image.get_rendition("width-400|format-webp")  # one card's size drawn earlier, as by another page

    html = client.get(seen.url).content.decode()
    for card in (first, second):
        shown = re.search(rf'<article class="card news-card">.*?{re.escape(card.url)}.*?src="([^"]+)"', html, re.S)
        rendition = rendition_model.objects.get(file=shown.group(1).split("/media/", 1)[1])
        assert rendition.image_id == card.feature_image_id, card.title
    kept = rendition_model.objects.count()
    assert client.get(seen.url).status_code == 200 and rendition_model.objects.count() == kept
    assert set(rendition_model.objects.filter(image=second.feature_image).values_list("filter_spec", flat=True)) >= {
        "width-400|format-webp",
        "width-800|format-webp",
    }
