"""The seam on a training page: programs renders its ``training_page_panels`` hook, the apps
above fill it (members: the visitor's own enrollment state). programs loads nothing of them."""

from pathlib import Path

import pytest
from django.utils.html import format_html
from wagtail import hooks

import programs

pytestmark = pytest.mark.django_db


def test_whatever_an_app_registers_shows_on_the_training_page_escaped_unless_safe(client, make_training):
    training = make_training(title="Pelatihan Panel")

    def panel(request, page):
        return format_html('<aside id="panel-uji">{} &middot; {}</aside>', page.title, request.path)

    def careless(request, page):
        return "<b>Kopi & Kue</b>"

    with (
        hooks.register_temporarily("training_page_panels", panel),
        hooks.register_temporarily("training_page_panels", careless),
    ):
        html = client.get(training.url).content.decode()
    assert f'<aside id="panel-uji">Pelatihan Panel &middot; {training.url}</aside>' in html
    assert "&lt;b&gt;Kopi &amp; Kue&lt;/b&gt;" in html
    assert 'id="pendaftaran"' in html  # and members' own panel, registered for good


def test_programs_templates_load_nothing_of_the_apps_above():
    templates = Path(programs.__file__).parent / "templates"
    for template in templates.rglob("*.html"):
        source = template.read_text()
        assert "enrollment_tags" not in source and "members/" not in source, template
