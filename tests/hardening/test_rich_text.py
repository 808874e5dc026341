"""Rich text from the admin reaches the public pages without scripts, handlers or javascript: links.

An editor's browser could be fooled into pasting anything, and a hostile script can post
the admin's forms directly: these tests post the real edit forms, with the payload both as
pasted HTML (through the editor's converter) and as hand-made editor data, and read what a
visitor's browser would get.
"""

import datetime
import json
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import querydict_from_html, rich_text

from tests.admin_forms import current_days, session_fields

pytestmark = pytest.mark.django_db

PASTED = (
    "<p>Rapat pengurus<script>alert('pasted')</script>"
    '<img src="x" onerror="alert(1)"/>'
    '<a href="javascript:alert(2)" onclick="alert(3)">tautan berbahaya</a>'
    '<iframe src="https://evil.example/"></iframe>'
    '<object data="https://evil.example/x.swf"></object>'
    '<span style="background:url(javascript:alert(4))">gaya</span></p>'
)

# What a script posting the form itself could send: markup as text, and links the editor never makes.
CRAFTED_TEXT = "<script>alert('crafted')</script> klik <img src=x onerror=alert(5)> di sini"
CRAFTED = json.dumps(
    {
        "blocks": [
            {
                "key": "aaaaa",
                "type": "unstyled",
                "text": CRAFTED_TEXT,
                "depth": 0,
                "inlineStyleRanges": [],
                "entityRanges": [
                    {"offset": CRAFTED_TEXT.index("klik"), "length": 4, "key": 0},
                    {"offset": CRAFTED_TEXT.index("di sini"), "length": 7, "key": 1},
                ],
            }
        ],
        "entityMap": {
            "0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": "javascript:alert(6)"}},
            "1": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": " JaVaScRiPt:alert(7)"}},
        },
    }
)


class Markup(HTMLParser):
    """What in a page could run: scripts, frames, plugins, event handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.dangers: list[str] = []
        self.in_script = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.in_script = attributes.get("type") or "text/javascript"
            known = attributes.get("type") == "application/ld+json" or attributes.get("src", "").startswith("/static/")
            if not known:
                self.dangers.append(f"<script {attributes}>")
        if tag in {"iframe", "object", "embed", "frame", "base"}:
            self.dangers.append(f"<{tag}>")
        for name, value in attributes.items():
            if name.startswith("on"):
                self.dangers.append(f"{tag}.{name}")
            if value and "javascript:" in value.lower().replace(" ", ""):
                self.dangers.append(f"{tag}.{name}={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = ""

    def handle_data(self, data):
        if self.in_script == "application/ld+json":
            if "<" in data:  # text, never code; but a "<" could close the element
                self.dangers.append(f"markup inside JSON-LD: {data[:80]}")
        elif self.in_script and "alert(" in data:
            self.dangers.append(f"script text: {data[:80]}")


def public(path: str) -> str:
    """The page as an anonymous visitor gets it (an editor's view adds Wagtail's own user bar)."""
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def dangers_in(html: str) -> list[str]:
    parser = Markup()
    parser.feed(html)
    return parser.dangers


@pytest.fixture
def editor_client(client, demo_site, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(email="redaksi@example.org", password="x")
    user.groups.add(Group.objects.get(name="Editor"))
    client.force_login(user)
    return client


def edit_form(client, page) -> dict:
    """The page's edit form as the admin renders it, ready to post back with changes."""
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form").dict()
    if hasattr(page, "days"):  # a training: its sessions' inputs are drawn by the admin's script
        data |= session_fields(current_days(page))
    return data


def publish(client, page, data) -> None:
    data["action-publish"] = "action-publish"
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response


def test_article_body_and_fields_are_sanitised_on_the_public_page(editor_client, demo_site):
    from news.blocks import ParagraphBlock
    from news.models import NewsArticlePage, NewsCategory

    index = Page.objects.get(slug="berita")
    article = NewsArticlePage(title="Rapat", slug="rapat-uji", date=datetime.date(2024, 5, 1), intro="Ringkasan.")
    article.categories = [NewsCategory.objects.first()]
    index.add_child(instance=article)
    article.save_revision().publish()

    data = edit_form(editor_client, article)
    hostile = "</script><script>alert('field')</script><img src=x onerror=alert(8)>"
    data.update(
        {
            "title": "Rapat " + hostile,
            "intro": "Ringkasan " + hostile,
            "dateline": hostile[:100],
            "body-count": "4",
            **block(0, "paragraph", rich_text(PASTED, features=ParagraphBlock().features)),
            **block(1, "paragraph", CRAFTED),
            **block(2, "heading", hostile),
            **block(3, "quote", {"text": hostile, "speaker": hostile}),
        }
    )
    publish(editor_client, article, data)

    article.refresh_from_db()
    html = public(article.url)
    assert "Rapat pengurus" in html and "tautan berbahaya" in html, "the harmless text survives"
    assert "klik" in html
    assert dangers_in(html) == []
    # The JSON-LD block carries the title and intro, escaped so they cannot close the script element.
    assert "</script><script>alert" not in html
    # And the places that quote the article elsewhere.
    for path in ["/berita/", "/berita/feed/", "/cari/?q=pengurus", "/cari/?q=klik"]:
        assert dangers_in(public(path)) == [], path


def block(index: int, kind: str, value) -> dict:
    prefix = f"body-{index}"
    fields = {f"{prefix}-type": kind, f"{prefix}-deleted": "", f"{prefix}-order": str(index), f"{prefix}-id": ""}
    if isinstance(value, dict):
        fields.update({f"{prefix}-value-{name}": text for name, text in value.items()})
    else:
        fields[f"{prefix}-value"] = value
    return fields


def test_training_description_is_sanitised_on_the_public_page(editor_client, make_training):
    training = make_training()
    data = edit_form(editor_client, training)
    data["description"] = CRAFTED
    data["summary"] = "Ringkasan <script>alert('summary')</script>"
    publish(editor_client, training, data)
    training.refresh_from_db()
    assert "klik" in training.description
    html = public(training.url)
    assert "klik" in html
    assert dangers_in(html) == []

    data = edit_form(editor_client, training)
    data["description"] = rich_text(PASTED, features=["h2", "h3", "bold", "italic", "ol", "ul", "link"])
    publish(editor_client, training, data)
    html = public(training.url)
    assert "tautan berbahaya" in html
    assert dangers_in(html) == []
