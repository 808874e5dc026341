"""What shared caches and browsers may keep (issue 13, finding 14).

Pages built for a session said only ``Vary: Cookie``: a proxy that ignores Vary could hand a
member's page to the next visitor, and the browser kept member pages for the back button
after logging out. Now every response built for a session says ``private``, member, account
and admin pages ``no-store``, and anonymous public pages keep their caching.
"""

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db

PUBLIC = ["/", "/berita/", "/program/pemberdayaan-umkm-kader/", "/privasi/", "/cari/?q=Ansor"]


def directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",") if part.strip()}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["member", "editor", "superuser"])
@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_built_for_a_logged_in_user_are_private(roles, role, url):
    response = logged_in(getattr(roles, role)).get(url)
    assert response.status_code == 200
    assert "private" in directives(response)
    assert "public" not in directives(response)


@pytest.mark.parametrize(
    "url", ["/anggota/", "/anggota/profil/", "/anggota/hapus/", "/akun/email/", "/akun/password/change/"]
)
def test_member_and_account_pages_are_never_stored(roles, url):
    response = logged_in(roles.member).get(url)
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


@pytest.mark.parametrize("url", ["/admin/", "/admin/pages/", "/admin/images/", "/admin/account/"])
def test_admin_pages_are_never_stored(roles, url):
    response = logged_in(roles.superuser).get(url)
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_a_log_in_answer_is_private(client, roles):
    from tests.people import PASSWORD

    response = client.post("/akun/login/", {"login": roles.member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert {"private", "no-store"} <= directives(response)


@pytest.mark.parametrize("url", PUBLIC)
def test_anonymous_public_pages_keep_their_caching(demo_site, settings, url):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    first = Client().get(url)
    assert first.status_code == 200
    assert not directives(first) & {"private", "no-store", "no-cache"}
    if url in PUBLIC[:3]:  # Wagtail pages: the anonymous page cache stores and serves them
        assert first["X-Page-Cache"] == "miss"
        second = Client().get(url)
        assert second["X-Page-Cache"] == "hit"
        assert not directives(second) & {"private", "no-store", "no-cache"}
    cache.clear()
