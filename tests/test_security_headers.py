"""Security headers on every response, and a CSP that the site's own pages satisfy."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = pytest.mark.django_db

DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}


class ResourceCollector(HTMLParser):
    """Collects what a browser would load or execute from a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts_without_nonce = 0
        self.inline_styles_without_nonce = 0
        self.style_attributes = 0
        self.event_handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in attributes:
            if name.startswith("on"):
                self.event_handlers.append(f"{tag}.{name}")
        if "style" in attributes:
            self.style_attributes += 1
        if tag == "script":
            if attributes.get("src"):
                self.urls.append(attributes["src"])
            elif "nonce" not in attributes and attributes.get("type") not in DATA_BLOCK_TYPES:
                # JSON data blocks are never executed, so CSP does not apply to them (HTML's
                # "prepare the script element" returns for a data block before the CSP check).
                self.inline_scripts_without_nonce += 1
        elif tag == "style" and "nonce" not in attributes:
            self.inline_styles_without_nonce += 1
        elif tag == "link" and attributes.get("rel") in {"stylesheet", "icon", "preload"}:
            self.urls.append(attributes["href"])
        elif tag in {"img", "iframe", "source", "video", "audio"} and attributes.get("src"):
            self.urls.append(attributes["src"])


def test_every_response_carries_the_security_headers(client, demo_site):
    for path in ["/", "/healthz/", "/robots.txt", "/halaman-yang-tidak-ada/", "/akun/login/", "/berita/feed/"]:
        response = client.get(path)
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert "default-src 'self'" in response["Content-Security-Policy"], path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy, path


def test_session_and_csrf_cookies_stay_on_the_site(client, demo_site, django_user_model):
    """SameSite=Lax: not sent with cross-site POSTs or embeds; the session cookie is out of scripts' reach."""
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(email="kuki@example.org", password="Kader-Ansor-2024!")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    csrf = client.get("/akun/login/").cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"
    response = client.post("/akun/login/", {"login": "kuki@example.org", "password": "Kader-Ansor-2024!"})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["samesite"] == "Lax"
    assert session["httponly"] is True


def test_home_page_csp_forbids_inline_code_and_foreign_hosts(client, demo_site):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_home_page_loads_no_resource_its_policy_would_block(client, demo_site, django_user_model):
    # Logged in as an editor, so that Wagtail's user bar is on the page as well.
    editor = django_user_model.objects.create_superuser(email="redaksi@example.org", password="x")
    client.force_login(editor)
    response = client.get("/")
    collector = ResourceCollector()
    collector.feed(response.content.decode())
    assert collector.urls, "the page should load its stylesheet at least"
    page_url = "http://testserver/"
    foreign = [url for url in collector.urls if urlsplit(urljoin(page_url, url)).netloc != "testserver"]
    assert foreign == [], "only same-origin resources are allowed by default-src 'self'"
    assert collector.inline_scripts_without_nonce == 0
    assert collector.inline_styles_without_nonce == 0
    assert collector.style_attributes == 0
    assert collector.event_handlers == []


def test_admin_gets_its_own_policy_and_public_pages_stay_strict(client, demo_site):
    admin_policy = client.get("/admin/")["Content-Security-Policy"]
    assert "'unsafe-inline'" in admin_policy
    assert "'unsafe-inline'" not in client.get("/")["Content-Security-Policy"]
