"""Requests per second of each page, anonymous and logged in, next to a static file; and uncached.

    make bench-pages             # or: .venv/bin/python bench/pages.py [--reuse-database] [--skip-uncached]

What it does, on one machine:
1. A PostgreSQL database of its own (``portal_bench_pages``, dropped and created again),
   migrated, with the demo content (``seed_demo``) plus a realistic volume (bench/content.py):
   200 articles, three more programs with their trainings; and one member, verified and
   complete, with a password, enrolled in two upcoming trainings (the dashboard has something).
2. ``collectstatic`` into a temporary STATIC_ROOT (hashed, compressed names, as deployed).
3. gunicorn with the production settings (``config.settings.production``; TLS redirect off,
   since this is loopback) on a free port: BENCH_WORKERS (default 2 x cores + 1) workers of
   class BENCH_WORKER_CLASS (default ``sync``), Redis db 9 as the cache.
4. The member logs in like a browser: GET /akun/login/, POST the form with its CSRF token,
   keep the cookies; each member page must then show the member's header ("Akun saya", no
   "Masuk" link) before it is measured.
5. For each URL: a first GET (must answer 200), a warm-up (BENCH_WARMUP_SECONDS of wrk), one
   more GET to read the ``X-Page-Cache`` header, then ``wrk -t2 -c<BENCH_CONNECTIONS>
   -d<BENCH_SECONDS> --latency``: anonymous (no cookies), then the member's pages (wrk sends
   the member's session and CSRF cookies). The static file (the site's stylesheet, by its
   hashed name) is measured first and last; the ceiling is the mean.
6. Every cache off, on SQLite, this tree against BENCH_BASELINE_REF side by side
   (bench/uncached.py), unless --skip-uncached.
7. A markdown report (also saved under var/bench/) and the figures as JSON for
   bench/summary.py. Exit status 1 when a page has errors, a member page is not the
   member's, or a target of issue 16 is missed (anonymous >= 0.6, members' home, article and
   training >= 1/3 of the static rate).
"""

from __future__ import annotations

import argparse
import html
import json
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import content
import harness
from harness import WrkResult, parse_wrk, wrk  # noqa: F401 - parse_wrk: tests/test_bench.py

DATABASE_NAME = "portal_bench_pages"
ANONYMOUS_TARGET = 0.6  # issue 16: every anonymous page still >= 0.6 of the static rate
MEMBER_TARGET = 1 / 3  # issue 16: members' home, article, training >= 1/3 of the static rate
MEMBER_TARGET_PAGES = {"home", "article (demo)", "training (digital marketing)"}
MEMBER_EMAIL = "bench.member@example.org"
MEMBER_PASSWORD = "Kader-Ansor-Bench-2026!"  # noqa: S105 - a throw-away bench account
MEMBER_NAME = "Nur'aini Bench Siregar"
MEMBER_TRAININGS = ("kaderisasi-berjenjang-angkatan-4", "konsolidasi-organisasi-angkatan-4")


def fetch(url: str, *, cookies: str = "") -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept-Encoding": "identity", **({"Cookie": cookies} if cookies else {})}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def page_urls() -> list[tuple[str, str]]:
    from news.models import NewsArticlePage
    from programs.models import ProgramPage, TrainingPage

    def path(page) -> str:
        return urlsplit(page.get_url()).path

    article = NewsArticlePage.objects.get(slug="rapat-koordinasi-umkm-agenda-prioritas")
    program = ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")
    training = TrainingPage.objects.get(slug="pelatihan-digital-marketing")
    return [
        ("home", "/"),
        ("news index", "/berita/"),
        ("article (demo)", path(article)),
        ("program index", "/program/"),
        ("program (UMKM)", path(program)),
        ("training (digital marketing)", path(training)),
    ]


def make_member() -> None:
    """The member whose pages are measured: verified, complete, two upcoming trainings."""
    import datetime

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from core.models import District
    from members import enrollment
    from members.models import Member
    from programs.models import TrainingPage

    user, created = get_user_model().objects.get_or_create(email=MEMBER_EMAIL)
    if not created:
        return
    user.set_password(MEMBER_PASSWORD)  # the production hasher: one login, as a member's
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    now = timezone.now()
    member = Member.objects.create(
        user=user,
        full_name=MEMBER_NAME,
        phone="+6281261234599",
        gender=Member.Gender.FEMALE,
        birth_date=datetime.date(1996, 8, 17),
        district=District.objects.get(slug="talawi"),
        village="Labuhan Ruku",
        occupation="Pedagang",
        cadre_level=Member.CadreLevel.PKD,
        privacy_agreed_at=now,
        status=Member.Status.ACTIVE,
        verified_at=now,
    )
    for slug in MEMBER_TRAININGS:
        enrollment.enroll(member=member, training=TrainingPage.objects.get(slug=slug))


def member_urls(urls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    wanted = ["home", "article (demo)", "training (digital marketing)", "program (UMKM)", "news index"]
    by_label = dict(urls)
    return [(label, by_label[label]) for label in wanted] + [("dashboard", "/anggota/")]


def member_page_problem(label: str, path: str, page: str, *, training_id: int) -> str:
    """Why this is not the member's page, or "" when it is."""
    if not harness.shows_member(page):
        return f"{label} ({path}): the header is not the member's (no 'Akun saya', or a 'Masuk' link)"
    if label.startswith("training") and f"/anggota/pelatihan/{training_id}/daftar/" not in page:
        return f"{label} ({path}): no enrollment form of the member's panel"
    if label == "dashboard" and html.escape(MEMBER_NAME) not in page:
        return f"{label} ({path}): the dashboard does not name the member"
    return ""


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    path: str
    status: int
    page_cache: str
    result: WrkResult
    who: str = "anonymous"

    def as_dict(self, ceiling: float) -> dict:
        r = self.result
        return {
            "label": self.label,
            "path": self.path,
            "who": self.who,
            "rate": r.rate,
            "ratio": r.rate / ceiling,
            "p50_ms": r.p50,
            "p99_ms": r.p99,
            "errors": r.errors,
            "status": self.status,
            "page_cache": self.page_cache,
        }


def measure(
    base_url: str, label: str, path: str, *, seconds: int, warmup: int, connections: int, cookies: str = "", who=""
) -> Row:
    status, _, _ = fetch(base_url + path, cookies=cookies)
    if warmup:
        wrk(base_url + path, seconds=warmup, connections=connections, cookies=cookies)
    status, headers, _ = fetch(base_url + path, cookies=cookies)
    page_cache = next((value for key, value in headers.items() if key.lower() == "x-page-cache"), "—")
    result, _ = wrk(base_url + path, seconds=seconds, connections=connections, cookies=cookies)
    print(
        f"  {who or 'anonymous':9} {label:30} {result.rate:9.1f} req/s  p50 {harness.format_ms(result.p50):>9}  "
        f"p99 {harness.format_ms(result.p99):>9}  errors {result.errors}  (GET {status}, X-Page-Cache {page_cache})",
        flush=True,
    )
    return Row(label, path, status, page_cache, result, who=who or "anonymous")


def table(rows: list[Row], ceiling: float, target) -> list[str]:
    lines = [
        "| page | URL | req/s | p50 | p99 | errors | ratio to static | target | X-Page-Cache |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        r = row.result
        ratio = r.rate / ceiling
        wanted = target(row)
        mark = "" if wanted is None or ratio >= wanted else " ✗"
        lines.append(
            f"| {row.label} | `{row.path}` | {r.rate:,.0f} | {harness.format_ms(r.p50)} | {harness.format_ms(r.p99)} "
            f"| {r.errors} | {ratio:.2f}{mark} | {'—' if wanted is None else f'≥ {wanted:.2f}'} | {row.page_cache} |"
        )
    return lines


def member_target(row: Row) -> float | None:
    return MEMBER_TARGET if row.label in MEMBER_TARGET_PAGES else None


def report(facts, anonymous, members, statics, *, seconds, connections, problems) -> tuple[str, list[str], list[str]]:
    ceiling = sum(row.result.rate for row in statics) / len(statics)
    failures = list(problems)
    missed = []
    for row in statics + anonymous + members:
        if row.status != 200:
            failures.append(f"{row.who} {row.label}: GET answered {row.status}, not 200")
        if row.result.errors:
            failures.append(
                f"{row.who} {row.label}: {row.result.non_2xx_3xx} non-2xx/3xx responses, "
                f"{row.result.socket_errors} socket errors"
            )
    for row in anonymous:
        if row.result.rate / ceiling < ANONYMOUS_TARGET:
            missed.append(f"anonymous {row.label}: {row.result.rate / ceiling:.2f} of the static rate, below 0.6")
    for row in members:
        wanted = member_target(row)
        if wanted and row.result.rate / ceiling < wanted:
            missed.append(f"member {row.label}: {row.result.rate / ceiling:.2f} of the static rate, below 1/3")
    load = f"`wrk -t2 -c{connections} -d{seconds}s --latency`, `Accept-Encoding: gzip, deflate, br`, after a warm-up"
    lines = [
        "# Pages against a static file (bench/pages.py)",
        "",
        harness.facts_markdown(facts),
        f"- load: {load}",
        "",
        "## The static file (the ceiling)",
        "",
        *table(statics, ceiling, lambda row: None),
        "",
        f"Static ceiling: the mean of the two runs, {ceiling:,.0f} req/s.",
        "",
        "## Anonymous visitors (no cookies)",
        "",
        *table(anonymous, ceiling, lambda row: ANONYMOUS_TARGET),
        "",
        "## A logged-in member",
        "",
        "The member logged in over HTTP (GET /akun/login/, POST the form with its CSRF token); wrk sends the "
        "member's `sessionid` and `csrftoken` cookies. Each page was checked first to be the member's (header "
        '"Akun saya", no "Masuk" link; the training\'s enrollment form; the dashboard names the member).',
        "",
        *table(members, ceiling, member_target),
        "",
        "Result: "
        + ("no errors" if not failures else "FAILED")
        + ("; every target met." if not missed else "; targets missed:"),
        *[f"- {failure}" for failure in failures],
        *[f"- {miss}" for miss in missed],
        "",
    ]
    return "\n".join(lines), failures, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reuse-database", action="store_true", help="keep the database of an earlier run (skips seeding)"
    )
    parser.add_argument("--skip-uncached", action="store_true", help="skip the uncached SQLite comparison")
    args = parser.parse_args()
    harness.require_services()
    seconds = harness.env_int("BENCH_SECONDS", 10)
    warmup = harness.env_int("BENCH_WARMUP_SECONDS", 2)
    workers = harness.server_options()["workers"]
    connections = harness.env_int("BENCH_CONNECTIONS", 2 * workers)

    port = harness.free_port()
    with harness.scratch_dir("pages") as scratch:
        database_url = f"{harness.POSTGRES_URL}/{DATABASE_NAME}"
        env = harness.production_env(database_url=database_url, scratch=scratch, port=port)
        if not args.reuse_database:
            harness.recreate_database(DATABASE_NAME)
        harness.flush_redis()
        harness.prepare_site(env)
        harness.setup_django(env)
        from news.models import NewsArticlePage
        from programs.models import TrainingPage

        if not NewsArticlePage.objects.filter(slug="berita-kegiatan-1").exists():
            harness.manage("seed_demo", "-v0", env=env)
            content.add_content(articles=content.ARTICLE_COUNT)
        make_member()
        urls = page_urls()
        training_id = TrainingPage.objects.get(slug="pelatihan-digital-marketing").pk
        static = static_url(Path(env["STATIC_ROOT"]))
        facts = harness.machine_facts(database_url=database_url)
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
        facts.append(
            ("load generator", (version.stdout or version.stderr).split(" Copyright")[0] + ", on the same machine")
        )
        from django.db import connections as db_connections

        db_connections.close_all()

        print(f"serving on 127.0.0.1:{port}; {seconds} s per URL, {connections} connections", flush=True)
        problems: list[str] = []
        with harness.gunicorn(env, port=port, name="pages") as base_url:
            run = {"seconds": seconds, "warmup": warmup, "connections": connections}
            statics = [measure(base_url, "static file (before)", static, **run)]
            anonymous = [measure(base_url, label, path, **run) for label, path in urls]
            browser = harness.Browser(base_url)
            browser.log_in(MEMBER_EMAIL, MEMBER_PASSWORD)
            cookies = browser.cookie_header()
            members = []
            for label, path in member_urls(urls):
                page = browser.get(path)
                problem = member_page_problem(label, path, page.text, training_id=training_id)
                if page.status != 200 or problem:
                    problems.append(problem or f"member {label} ({path}): GET answered {page.status}")
                    continue
                members.append(measure(base_url, label, path, **run, cookies=cookies, who="member"))
            # Still the member's after the load (the session survived, nothing logged them out).
            if not harness.shows_member(browser.get("/").text):
                problems.append("after the member's runs, the home page no longer shows the member")
            statics.append(measure(base_url, "static file (after)", static, **run))
        text, failures, missed = report(
            facts, anonymous, members, statics, seconds=seconds, connections=connections, problems=problems
        )
        ceiling = sum(row.result.rate for row in statics) / len(statics)
        result = {
            "facts": dict(facts),
            "static": ceiling,
            "rows": [row.as_dict(ceiling) for row in statics + anonymous + members],
            "failures": failures,
            "missed": missed,
        }
        # Saved before the uncached part, which a crash there must not take with it.
        harness.write_result("pages", result)
        harness.write_report("pages", text)
        uncached_failures: list[str] = []
        uncached_missed: list[str] = []
        if not args.skip_uncached:
            import uncached

            uncached_text, uncached_result, uncached_failures = uncached.run(urls, scratch=scratch)
            harness.write_result("uncached", uncached_result)
            harness.write_report("uncached", uncached_text)
            uncached_missed = uncached_result["missed"]
    harness.flush_redis()
    return 1 if failures or missed or uncached_failures or uncached_missed else 0


def static_url(static_root: Path) -> str:
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


if __name__ == "__main__":
    harness.run(main)
