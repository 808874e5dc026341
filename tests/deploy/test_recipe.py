"""The production recipe (deploy/) agrees with the app: the proxy's body limits are the app's,
the environment template sets every configuration variable, the units and nginx meet on one
socket. No server runs here (tests/deploy/test_stack.py runs them)."""

import re
import shutil

import pytest
from django.conf import settings

from ..processes import ROOT
from .recipe import env_template, nginx_body_limits, render_nginx_site, unit_setting

pytestmark = pytest.mark.skipif(not shutil.which("envsubst"), reason="envsubst (gettext-base) renders the nginx site")

SITE_VALUES = {
    "SITE_URL": "https://portal.example",
    "STATIC_ROOT": "/srv/portal/static",
    "MEDIA_ROOT": "/srv/portal/media",
}


def test_nginx_refuses_exactly_what_the_app_refuses():
    """A body the app would take is never cut off by the proxy, and one it would refuse never reaches it."""
    site = render_nginx_site(**SITE_VALUES)

    assert nginx_body_limits(site) == settings.REQUEST_BODY_LIMITS


def test_the_nginx_site_is_filled_in_from_the_portal_environment():
    site = render_nginx_site(**SITE_VALUES)

    assert "${" not in site
    assert "server_name portal.example;" in site
    assert "return 301 https://portal.example$request_uri;" in site
    assert "ssl_certificate /etc/letsencrypt/live/portal.example/fullchain.pem;" in site
    assert "alias /srv/portal/media/;" in site
    # nginx's own variables are left for nginx.
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site


def test_nginx_and_the_web_unit_meet_on_one_socket():
    site = render_nginx_site(**SITE_VALUES)
    socket = re.search(r"--bind unix:(\S+)", unit_setting("portal-web.service", "ExecStart")).group(1)

    assert f"server unix:{socket} " in site


def readme_configuration_variables() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            names.update(re.findall(r"`([A-Z_]+)`", row.split("|")[1]))
    return names


def test_the_environment_template_names_every_configuration_variable():
    template = (ROOT / "deploy" / "portal.env.example").read_text()
    named = set(re.findall(r"^#?\s*([A-Z_]+)=", template, flags=re.MULTILINE))

    missing = readme_configuration_variables() - named
    assert not missing, f"deploy/portal.env.example lacks {sorted(missing)}"
    assert {"SECRET_KEY", "DATABASE_URL", "SITE_URL", "FIELD_ENCRYPTION_KEY"} <= named


def test_every_variable_the_template_sets_is_read_by_the_settings_or_gunicorn():
    read = "".join(path.read_text() for path in (ROOT / "config" / "settings").glob("*.py"))
    for name in env_template():
        assert name in {"WEB_CONCURRENCY", "DJANGO_SETTINGS_MODULE"} or f'"{name}"' in read, (
            f"{name} is set by the template but nothing reads it"
        )
    assert env_template()["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_every_unit_reads_the_environment_file_and_runs_in_the_checkout():
    for unit in ("portal-web.service", "portal-worker.service", "portal-beat.service"):
        assert unit_setting(unit, "EnvironmentFile") == "/etc/portal/portal.env"
        assert unit_setting(unit, "WorkingDirectory") == "/srv/portal/app"
        assert unit_setting(unit, "User") == "portal"
