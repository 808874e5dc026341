"""What every browser test checks on every page: console errors, CSP violations; and axe-core.

A ``Visitor`` is one person with their own browser context (cookies, viewport). Every page
it opens is watched: an error in the console, an uncaught exception or a Content Security
Policy violation is recorded with the page's address, and ``Visitor.finish()`` fails the
test if anything was recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily, so that the tests collect (and skip) where Playwright is missing
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE_VERSION = "4.14.1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

# Runs in every page before its own scripts: records CSP violations on the page (for a look in
# a debugger) and reports them to the test at once, so that none is lost by navigating away.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    const violation = {
        directive: event.violatedDirective,
        blocked: event.blockedURI,
        source: event.sourceFile ? `${event.sourceFile}:${event.lineNumber}` : "",
        sample: event.sample,
    };
    window.__cspViolations.push(violation);
    if (window.__e2eReportCsp) window.__e2eReportCsp(JSON.stringify(violation));
});
"""

AXE_RUN = """
async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        helpUrl: violation.helpUrl,
        nodes: violation.nodes.map((node) => ({target: node.target.join(" "), summary: node.failureSummary})),
    }));
}
"""
BLOCKING_IMPACTS = {"serious", "critical"}


@dataclass
class Problem:
    url: str
    kind: str
    text: str

    def __str__(self):
        return f"{self.kind} on {self.url}: {self.text}"


@dataclass
class Visitor:
    """One person's browser context, its page, and what went wrong on the pages it saw."""

    name: str
    context: BrowserContext
    page: Page
    artifacts: Path
    problems: list[Problem] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    shots: int = 0

    @classmethod
    def open(cls, browser: Browser, *, name: str, base_url: str, artifacts: Path, **options) -> Visitor:
        context = browser.new_context(base_url=base_url, locale="id-ID", timezone_id="Asia/Jakarta", **options)
        context.set_default_timeout(15_000)
        context.add_init_script(CSP_RECORDER)
        visitor = cls(name=name, context=context, page=context.new_page(), artifacts=artifacts)
        context.expose_function("__e2eReportCsp", visitor._csp_violation)
        visitor.page.on("console", visitor._console)
        visitor.page.on("pageerror", visitor._page_error)
        visitor.page.on("framenavigated", visitor._navigated)
        return visitor

    # -- watching ------------------------------------------------------------------------------

    def _record(self, kind: str, text: str):
        # No exceptions, not even for the Wagtail admin: its console stays clean under ADMIN_CSP.
        self.problems.append(Problem(url=self.page.url, kind=kind, text=text))

    def _console(self, message: ConsoleMessage):
        if message.type == "error":
            location = message.location.get("url") or ""
            self._record("console error", f"{message.text} ({location})")
        elif "Content Security Policy" in message.text:
            self._record("CSP console message", message.text)

    def _page_error(self, error: Error):
        self._record("uncaught exception", f"{error.name}: {error.message}\n{error.stack or ''}")

    def _csp_violation(self, payload: str):
        violation = json.loads(payload)
        self._record("CSP violation", json.dumps(violation, ensure_ascii=False))

    def _navigated(self, frame):
        if frame == self.page.main_frame and frame.url not in self.visited[-1:]:
            self.visited.append(frame.url)

    # -- acting ----------------------------------------------------------------------------------

    def goto(self, path: str, *, status: int = 200):
        response = self.page.goto(path)
        assert response is not None and response.status == status, (
            f"{path}: HTTP {response.status if response else None}"
        )
        return response

    def shoot(self, label: str) -> Path:
        """A full-page screenshot, kept as a test artifact."""
        self.shots += 1
        path = self.artifacts / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=path, full_page=True)
        return path

    def assert_accessible(self, label: str):
        """axe-core finds no serious or critical violation on the current page."""
        self.page.evaluate((VENDOR / "axe.min.js").read_text())  # not subject to the page's CSP
        violations = self.page.evaluate(AXE_RUN)
        blocking = [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe-core {AXE_VERSION} on {label} ({self.page.url}):\n" + format_violations(blocking)

    def assert_fits_width(self):
        """Nothing sticks out sideways (a phone would scroll horizontally)."""
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{self.page.url} is {overflow}px wider than the {self.page.viewport_size} viewport"

    def finish(self):
        """Close the context; fail if any visited page had console errors or CSP violations."""
        self.context.close()
        assert not self.problems, f"{self.name}: problems on the visited pages:\n" + "\n".join(
            f"- {problem}" for problem in self.problems
        )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}\n        {summary}")
    return "\n".join(lines)
