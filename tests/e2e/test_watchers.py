"""The browser tests' own checks catch what they are there to catch (pages served by the test itself)."""

import pytest

from .browser import Visitor

pytestmark = pytest.mark.e2e

ORIGIN = "http://portal.test"
PAGE = '<!DOCTYPE html><html lang="id"><head><title>Uji</title></head><body><main>{html}</main></body></html>'
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'"


@pytest.fixture
def serve(browser, tmp_path):
    """``serve(html, csp=...)`` opens a visitor on a page with that body and policy, no server needed."""
    opened = []

    def open_page(html: str, *, csp: str = STRICT_CSP) -> Visitor:
        person = Visitor.open(browser, name="watch", base_url=ORIGIN, artifacts=tmp_path)
        person.context.route(
            f"{ORIGIN}/**",
            lambda route: route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": csp},
                body=PAGE.format(html=html),
            ),
        )
        person.goto("/")
        opened.append(person)
        return person

    yield open_page
    for person in opened:
        person.context.close()


def test_a_clean_page_passes(serve):
    person = serve("<h1>Beranda</h1><p>Selamat datang.</p>")
    person.assert_accessible("a clean page")
    person.finish()


def test_an_inline_script_blocked_by_the_policy_is_reported(serve):
    person = serve("<h1>Beranda</h1><script>document.title = 'x'</script>")
    person.page.wait_for_timeout(100)  # the violation event is reported asynchronously
    kinds = {problem.kind for problem in person.problems}
    assert "CSP violation" in kinds, person.problems
    with pytest.raises(AssertionError, match="script-src"):
        person.finish()


def test_console_errors_and_uncaught_exceptions_are_reported(serve):
    person = serve("<h1>Beranda</h1>", csp="default-src 'self'; script-src 'unsafe-inline'")
    person.page.add_script_tag(content="console.error('rusak'); setTimeout(() => { throw new Error('pecah') })")
    person.page.wait_for_timeout(100)
    texts = " ".join(problem.text for problem in person.problems)
    assert "rusak" in texts and "pecah" in texts, person.problems


def test_axe_reports_a_serious_violation(serve):
    person = serve('<h1>Beranda</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')
    with pytest.raises(AssertionError, match="image-alt"):
        person.assert_accessible("an image without alt text")
