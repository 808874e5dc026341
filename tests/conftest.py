import pytest
from django.core.management import call_command


@pytest.fixture
def demo_site(db):
    """The site as ``seed_demo`` leaves it: home page, settings, districts, groups."""
    call_command("seed_demo", verbosity=0)
    from home.models import HomePage

    return HomePage.objects.get()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free port, and the site's default mailer pointed at it."""
    from .smtp import SMTPServer

    server = SMTPServer().start()
    settings.MAILERS = {"default": server.mailer_settings()}
    yield server
    server.stop()
