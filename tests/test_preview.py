"""Editors' previews: framed by the admin, never from the page cache; public pages refuse framing."""

import pytest
from django.core.cache import cache
from django.utils.html import escape

pytestmark = pytest.mark.django_db

ARTICLE = "/berita/rapat-koordinasi-umkm-agenda-prioritas/"
DRAFT_TITLE = "Ma'had Al-Ma'arif & Kopi & Kue: draf yang belum terbit"


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))


def draft_of_the_article():
    from news.models import NewsArticlePage

    article = NewsArticlePage.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/")
    article.title = DRAFT_TITLE
    return article, article.save_revision()


def test_public_pages_still_refuse_to_be_framed(client, demo_site):
    for path in ["/", "/berita/", ARTICLE, "/program/", "/akun/login/"]:
        response = client.get(path)
        assert frame_ancestors(response) == "frame-ancestors 'none'", path
        assert response["X-Frame-Options"] == "DENY", path


def test_a_preview_may_be_framed_by_the_admin_and_keeps_the_public_policy(client, roles):
    from .people import PASSWORD

    article, revision = draft_of_the_article()
    client.login(email=roles.editor.email, password=PASSWORD)
    response = client.get(f"/admin/pages/{article.pk}/revisions/{revision.pk}/view/")
    assert response.status_code == 200
    assert escape(DRAFT_TITLE) in response.content.decode()
    assert frame_ancestors(response) == "frame-ancestors 'self'"
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_a_preview_is_never_answered_from_the_page_cache(client, demo_site, settings):
    """A preview made without the editor's cookies must still show the draft, not the cached page."""
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    assert client.get(ARTICLE).headers.get("X-Page-Cache") == "miss"
    assert client.get(ARTICLE).headers.get("X-Page-Cache") == "hit"

    article, _ = draft_of_the_article()
    response = article.make_preview_request()
    assert "X-Page-Cache" not in response
    assert escape(DRAFT_TITLE) in response.content.decode()
    # ... and the preview did not replace the published page in the cache.
    published = client.get(ARTICLE)
    assert published.headers.get("X-Page-Cache") == "hit"
    assert escape(DRAFT_TITLE) not in published.content.decode()
    cache.clear()
