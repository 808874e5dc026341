"""The public shell of the site: home page, languages, error pages, machine endpoints."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_renders_in_indonesian_by_default(client, demo_site):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "PC GP Ansor Kabupaten Batu Bara" in html
    assert "Masuk" in html  # the log-in link
    assert "Lewati ke konten" in html  # the skip link
    assert 'href="/akun/login/"' in html


def test_browser_language_does_not_override_indonesian(client, demo_site):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="id">' in html
    assert "Masuk" in html


def test_language_switcher_turns_the_site_english(client, demo_site):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Skip to content" in html


def test_header_links_to_the_dashboard_once_logged_in(client, demo_site, django_user_model):
    user = django_user_model.objects.create_user(email="kader@example.org", password="x")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'href="/anggota/"' in html


def test_footer_shows_the_branch_contacts_from_site_settings(client, demo_site):
    from home.models import SiteSettings

    settings = SiteSettings.objects.get()
    settings.phone = "0622 123456"
    settings.whatsapp = "0812-3456-7890"
    settings.instagram_url = "https://instagram.com/ansorbatubara"
    settings.save()
    html = client.get("/").content.decode()
    assert 'href="https://wa.me/6281234567890"' in html
    assert 'href="tel:0622123456"' in html
    assert "https://instagram.com/ansorbatubara" in html


def test_unknown_page_gets_a_friendly_indonesian_404(client, demo_site):
    response = client.get("/tidak-ada-halaman-ini/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Halaman tidak ditemukan" in html
    assert "Kembali ke beranda" in html


def test_server_error_page_is_friendly_and_indonesian(client, demo_site):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Maaf, terjadi kesalahan" in html


def test_robots_txt_points_at_the_sitemap_of_site_url_whatever_the_host_says(client, demo_site, settings):
    """Issue 13 (16): the sitemap line reflected the request's Host, port included."""
    settings.SITE_URL = "https://ansor-batubara.example"
    response = client.get("/robots.txt", headers={"host": "testserver:31337"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: https://ansor-batubara.example/sitemap.xml" in body
    assert "31337" not in body and "testserver" not in body


def test_sitemap_lists_the_home_page(client, demo_site):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert "<loc>http://127.0.0.1:8000/</loc>" in response.content.decode()


def test_admin_login_is_allauths_login_page(client, demo_site):
    # One login for everyone (README "Security"): the admin's log-in address leads to allauth's.
    response = client.get("/admin/login/", follow=True)
    assert response.redirect_chain == [("/akun/login/?next=%2Fadmin%2F", 302)]
    assert response.status_code == 200


def test_search_finds_the_home_page_and_survives_bad_page_numbers(client, demo_site):
    response = client.get("/cari/", {"q": "Ansor", "page": "abc"})
    assert response.status_code == 200
    assert "PC GP Ansor Kabupaten Batu Bara" in response.content.decode()
    response = client.get("/cari/", {"q": "Ansor", "page": "999"})
    assert response.status_code == 200
    response = client.get("/cari/", {"q": "zzzzqqqq"})
    assert "Tidak ada hasil" in response.content.decode()
