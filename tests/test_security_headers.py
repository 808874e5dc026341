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
    for path in ["/", "/healthz/", "/robots.txt", "/halaman-yang-tidak-ada/"]:
        response = client.get(path)
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert "default-src 'self'" in response["Content-Security-Policy"], path


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
    admin_policy = client.get("/admin/login/")["Content-Security-Policy"]
    assert "'unsafe-inline'" in admin_policy
    assert "'unsafe-inline'" not in client.get("/")["Content-Security-Policy"]
