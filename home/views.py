import re
import unicodedata
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from wagtail.models import Page, Site

from core.language import language_chosen, set_language_cookie

SEARCH_RESULTS_PER_PAGE = 10
SEARCH_QUERY_MAX_LENGTH = 200
EXCERPT_LENGTH = 220


def clean_query(raw: str) -> str:
    """The visitor's words without control characters (PostgreSQL refuses NUL) or runs of spaces."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in raw)
    return " ".join(text.split())[:SEARCH_QUERY_MAX_LENGTH]


def query_terms(query: str) -> list[str]:
    """The words of a query worth highlighting: letters and digits, two or more of them."""
    return [word for word in re.findall(r"\w+", query) if len(word) >= 2][:10]


def search(request):
    """``/cari/?q=``: full-text search over the live public pages of this site.

    Wagtail's database backend uses PostgreSQL's full-text search on PostgreSQL and
    SQLite's FTS elsewhere. Each result shows its intro, or the passage of its body that
    matched, with the query's words marked.
    """
    query = clean_query(request.GET.get("q", ""))
    terms = query_terms(query)
    results = Page.objects.none()
    if terms:
        pages = Page.objects.live().public()
        site = Site.find_for_request(request)
        if site is not None:
            pages = pages.descendant_of(site.root_page, inclusive=True)
        # Only the words go to the backend: quotes and operators in what visitors type
        # would otherwise be syntax errors in SQLite's FTS or PostgreSQL's tsquery.
        results = pages.specific().search(" ".join(term.lower() for term in terms))
    paginator = Paginator(results, SEARCH_RESULTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "search_query": query,
        "search_results": page,
        "search_entries": [(result, result_excerpt(result, terms)) for result in page.object_list],
        "search_querystring": urlencode({"q": query}),
    }
    return TemplateResponse(request, "home/search.html", context)


def result_excerpt(page: Page, terms: list[str]) -> SafeString:
    """The page's intro, or the first passage of its text that contains a query word, words marked."""
    summary = getattr(page, "intro", "") or page.search_description or ""
    texts = [summary]
    body = getattr(page, "body", None)
    stream_block = getattr(body, "stream_block", None)
    if stream_block is not None:
        texts += [text for text in stream_block.get_searchable_content(body) if isinstance(text, str)]
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE) if terms else None
    for text in texts:
        match = pattern.search(text) if pattern and text else None
        if match:
            return highlight(_window(text, match.start()), pattern)
    return highlight(_window(summary, 0), pattern)


def _window(text: str, position: int) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT_LENGTH:
        return text
    start = max(0, position - EXCERPT_LENGTH // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + EXCERPT_LENGTH)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return ("… " if start else "") + text[start:end] + (" …" if end < len(text) else "")


def highlight(text: str, pattern: re.Pattern | None) -> SafeString:
    if pattern is None:
        return escape(text)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts += [escape(text[last : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped


@never_cache
def switch_language(request, code: str):
    """``/bahasa/<code>/?next=<path>``: the footer's language links remember the choice and go back.

    A GET link rather than Django's ``set_language`` form, so that the pages carrying the
    switcher hold no CSRF token and can be cached for anonymous visitors (core/pagecache.py).
    The cookie is the one ``set_language`` sets, with the same attributes; a logged-in
    member's stored language follows it (``core.language.language_chosen``).
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next", "")
    hosts = {request.get_host()}
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=hosts, require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    set_language_cookie(response, code)
    language_chosen.send(sender=switch_language, request=request, language=code)
    return response
