"""/.well-known/security.txt tells a finder where to report a problem (RFC 9116)."""

import datetime

import pytest

pytestmark = pytest.mark.django_db


def fields(response) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in response.content.decode().splitlines() if line)


def test_security_txt_names_the_branch_contact_by_default(client, demo_site):
    from home.models import SiteSettings

    email = SiteSettings.for_site(demo_site.get_site()).email
    assert email
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    found = fields(response)
    assert found["Contact"] == f"mailto:{email}"
    expires = datetime.datetime.fromisoformat(found["Expires"])
    now = datetime.datetime.now(datetime.UTC)
    assert now < expires < now + datetime.timedelta(days=366)


def test_security_txt_prefers_the_configured_contact(client, demo_site, settings):
    settings.SECURITY_CONTACT = "keamanan@ansor-batubara.example"
    assert fields(client.get("/.well-known/security.txt"))["Contact"] == "mailto:keamanan@ansor-batubara.example"


def test_no_security_txt_without_any_contact(client, demo_site):
    from home.models import SiteSettings

    SiteSettings.objects.update(email="")
    assert client.get("/.well-known/security.txt").status_code == 404
