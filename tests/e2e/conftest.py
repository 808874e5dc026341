"""Browser tests: Playwright driving Debian's Chromium against the site served by gunicorn.

One browser per session; each test gets its own server process on the test database
(transactional tests, so that the server sees what the test writes and the other way
round), its own aiosmtpd server, and one browser context per person.
"""

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..processes import ROOT, database_url, free_port, gunicorn, project_env
from ..services import require_chromium

ARTIFACTS = ROOT / "var" / "e2e-artifacts"
_artifact_folders: list[Path] = []  # the folders this session wrote to, for the summary


@pytest.fixture(scope="session")
def browser():
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    from .browser import CHROMIUM_ARGS

    # Playwright's sync API keeps an asyncio loop marked as running in this thread while it is
    # open, and Django then refuses every ORM call ("async context"). The test code stays
    # synchronous, so Django's guard is lifted until the browser closes (the session's end).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts_root(django_db_blocker):
    from django.db import connection

    path = ARTIFACTS / connection.vendor
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    _artifact_folders.append(path)
    return path


@dataclass
class LiveSite:
    url: str
    smtp: object

    def mails_to(self, address: str) -> list:
        return [message for message in self.smtp.messages if message["To"] == address]


@pytest.fixture
def live_site(transactional_db, demo_site, smtp_server, browser):
    """gunicorn on a free port, on this test's database, sending its mail to ``smtp_server``."""
    port = free_port()
    env = project_env(
        DJANGO_SETTINGS_MODULE="tests.e2e.server_settings",
        DATABASE_URL=database_url(),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        SITE_URL=f"http://127.0.0.1:{port}",
    )
    with gunicorn(env, port=port) as url:
        yield LiveSite(url=url, smtp=smtp_server)


@pytest.fixture
def visitor(browser, live_site, artifacts_root, request):
    """``visitor(name, **context_options)`` opens a browser context for one person."""
    from .browser import Visitor

    folder = artifacts_root
    opened = []

    def open_visitor(name: str, **options) -> Visitor:
        prefix = request.node.name.removeprefix("test_")[:40]
        person = Visitor.open(browser, name=f"{prefix}-{name}", base_url=live_site.url, artifacts=folder, **options)
        opened.append(person)
        return person

    yield open_visitor
    failed = getattr(request.node, "e2e_call_failed", False)
    for person in opened:  # those a failing test left open
        with contextlib.suppress(Exception):
            if failed and not person.page.is_closed():
                print(f"{person.name} was at {person.page.url}: {person.shoot('at-failure')}")
            person.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.e2e_call_failed = True  # the visitor fixture then keeps a screenshot of each open page
    return report


def pytest_terminal_summary(terminalreporter):
    for folder in _artifact_folders:
        shots = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"e2e screenshots ({shots}): {folder}")
