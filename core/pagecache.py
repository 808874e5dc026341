"""A cache of whole pages for anonymous visitors, invalidated by publishing and by seat changes.

What is cached
    The responses of Wagtail pages whose class says ``cache_anonymous = True`` (home, news
    index and articles, program index, programs, trainings, and their routes such as the RSS
    feeds and .ics calendars), to GET and HEAD requests that carry neither a session cookie
    nor the messages cookie. Only canonical addresses are stored: with a query string, only
    when every parameter is one the page declares in ``cache_query_params`` (the news
    index's filters) *and* the page, while rendering, confirmed the values canonical with
    :func:`query_is_canonical` (a route of the page that ignores the query, such as the RSS
    feed, never does, so ``/berita/feed/?page=x123`` is answered and not stored).
    The key is scheme + the Wagtail Site serving the request (its id, not the raw ``Host``
    header: ``example:1``, ``example:2`` ... are one site, one entry) + path + the query
    parameters in a fixed order + the language the visitor chose (the language cookie). A
    cached page therefore must not show the raw ``Host`` (none does: Wagtail's absolute URLs
    come from the Site). Body and headers are stored, including the Content-Security-Policy
    header that Django's CSP middleware computed inside.

How much is stored
    At most ``PAGE_CACHE_MAX_ENTRIES`` new keys per content generation and
    ``PAGE_CACHE_SECONDS`` window (counted in the cache), and no entry larger than
    ``PAGE_CACHE_MAX_ENTRY_BYTES`` (body and its gzip together): the cache's memory is
    bounded by their product whatever visitors ask for. Beyond the limit pages are served
    uncached. Redis's own ``maxmemory`` (README) is the operator's second fence.

What is never cached
    Anything for a visitor with a session (logged-in members, staff, editors: every request
    with the session cookie goes through the whole stack), previews, pages with view
    restrictions (Wagtail marks their responses ``Cache-Control: private, no-store``),
    responses other than 200, streaming responses, responses that set a cookie, that say
    ``private``/``no-store``/``no-cache``, that vary on anything but Cookie and
    Accept-Encoding, and responses that used a per-visitor secret: a CSRF token
    (``{% csrf_token %}`` would put one visitor's token in everyone's page) or the CSP nonce
    (a nonce shared by every visitor is no nonce).

How it is invalidated
    Each entry records the *generation* of what it was built from; a hit reads the current
    generations and the entry in one round trip (``cache.get_many``) and serves the entry only
    if they match. :func:`invalidate` bumps a generation, both at once and again when the
    current transaction commits (so a page rendered from the old rows while the change was
    being written cannot be stored as fresh). Two generations:

    ``content``
        every page depends on it; bumped when a page is published, unpublished, moved or
        deleted, when snippets and settings shown on pages change (site settings, districts,
        partners, news categories, tags, images, documents, sites) and after ``migrate``
        (a deploy).
    ``seats``
        only pages that showed seat counts depend on it (``members.enrollment.seats_for``
        declares it while the page renders); bumped by every enrollment change, so "seats
        left" is exact for anonymous visitors while an enrollment storm leaves the other
        pages cached.

    An entry also expires at the next moment its content changes by itself (a training's
    enrollment opening or closing, a training starting or ending: :func:`valid_until`), and
    after ``PAGE_CACHE_SECONDS`` at the latest (default 300; 0 turns the cache off).

    With ``REDIS_URL`` the cache is Redis, shared by every web process; without it, each
    process has its own local-memory cache, which is only right for a single process (dev).

A hit costs one cache round trip and no database query: the middleware sits right after
WhiteNoise, before sessions, CSRF and CSP. Responses carry ``X-Page-Cache: hit`` or ``miss``
(absent: not cacheable), a weak ETag (a revisit costs a 304), ``Vary: Cookie,
Accept-Encoding``, and are sent gzip-compressed to browsers that accept it (safe here: a
cached page holds no secret for BREACH to extract).

Longer than 400 lines on purpose: the key, the generations, what may be stored and the
middleware decide together whether a visitor may see a stored page; a mistake between them
serves one visitor's page to another, so they are read (and tested, tests/test_pagecache.py)
as one.
"""

from __future__ import annotations

import contextvars
import dataclasses
import gzip
import hashlib
import logging
import re
import time
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import split_header_value, urlencode

logger = logging.getLogger(__name__)

CONTENT = "content"
SEATS = "seats"
SCOPES = (CONTENT, SEATS)
GENERATION_KEYS = {scope: f"pagecache:generation:{scope}" for scope in SCOPES}

HEADER = "X-Page-Cache"
# What a stored response may vary on: the key holds the rest (language cookie, host, path).
ALLOWED_VARY = {"cookie", "accept-encoding"}
UNCACHEABLE_CACHE_CONTROL = {"private", "no-store", "no-cache"}
# Headers of the stored response that are computed again for each answer.
UNSTORED_HEADERS = {"content-length", "set-cookie", "date", "x-page-cache"}
GZIP_MIN_LENGTH = 512
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


# -- what a page depends on, declared while it renders ---------------------------------------


@dataclasses.dataclass
class _Render:
    scopes: set[str] = dataclasses.field(default_factory=lambda: {CONTENT})
    expires_at: datetime | None = None
    store: bool = True
    canonical_query: bool = False


_render: contextvars.ContextVar[_Render | None] = contextvars.ContextVar("pagecache_render", default=None)


def depends_on(scope: str) -> None:
    """The page being rendered shows data of ``scope`` (e.g. seat counts); no-op outside a cached render."""
    if (render := _render.get()) is not None:
        render.scopes.add(scope)


def valid_until(moment: datetime | None) -> None:
    """The page being rendered changes by itself at ``moment`` (enrollment opens, a training ends)."""
    render = _render.get()
    if render is not None and moment is not None and (render.expires_at is None or moment < render.expires_at):
        render.expires_at = moment


def do_not_store() -> None:
    """The page being rendered answers an address not worth keeping (an unknown filter, a
    non-canonical page number): served, never stored, so entries stay bounded by the content."""
    if (render := _render.get()) is not None:
        render.store = False


def query_is_canonical() -> None:
    """The page being rendered checked its query string: real filters, each at one address.

    Without this call a response to an address with a query string is never stored, so
    only a page that reads its query (the news index) can fill entries with it.
    """
    if (render := _render.get()) is not None:
        render.canonical_query = True


# -- invalidation ----------------------------------------------------------------------------


def invalidate(scope: str = CONTENT) -> None:
    """Pages built from data of ``scope`` are stale: now, and again once the current transaction commits."""
    _bump(scope)
    transaction.on_commit(partial(_bump, scope), robust=True)


def _bump(scope: str) -> None:
    key = GENERATION_KEYS[scope]
    try:
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): any new value makes every entry stale
            cache.add(key, _fresh_generation(), timeout=None)
    except Exception:  # the cache being down must not break publishing or enrolling
        _log_failure("could not invalidate the page cache")


def _fresh_generation() -> int:
    # Microseconds: never a value an older generation (a smaller start plus a few bumps) had.
    return time.time_ns() // 1000


def _content_changed(**kwargs) -> None:
    invalidate(CONTENT)


def invalidate_on_change(*models) -> None:
    """Bump the content generation whenever a row of ``models`` is saved or deleted (snippets, settings)."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        uid = f"pagecache_{model._meta.label_lower}"
        post_save.connect(_content_changed, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(_content_changed, sender=model, weak=False, dispatch_uid=uid)


def connect_signals() -> None:
    """Wagtail's publishing signals and the shared models that pages show (core's AppConfig.ready).

    Apps above add their own snippets and settings with ``invalidate_on_change`` in their ``ready()``.
    """
    from django.db.models.signals import post_delete, post_migrate
    from taggit.models import Tag
    from wagtail import signals
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page, PageViewRestriction, Site

    from .models import District

    for name in ("page_published", "page_unpublished", "post_page_move", "published", "unpublished"):
        getattr(signals, name).connect(_content_changed, weak=False, dispatch_uid=f"pagecache_{name}")
    post_delete.connect(_content_changed, sender=Page, weak=False, dispatch_uid="pagecache_page_deleted")
    post_migrate.connect(_content_changed, weak=False, dispatch_uid="pagecache_migrated")
    # A view restriction added to a cached page must take it away from anonymous visitors at once.
    invalidate_on_change(PageViewRestriction, Site, District, Tag)
    invalidate_on_change(get_image_model(), get_document_model())


# -- the middleware --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entry:
    """A stored response; kept in the cache as a tuple of built-in types (see :meth:`dump`)."""

    generations: tuple[tuple[str, int], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    gzipped: bytes | None  # the body compressed, when that makes it smaller
    etag: str

    FORMAT = 1  # raise when the fields change: entries of an older release are then ignored

    @classmethod
    def build(cls, response, *, generations) -> Entry:
        patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
        body = response.content
        etag = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        response.headers["ETag"] = etag
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_LENGTH else None
        if gzipped is not None and len(gzipped) >= len(body):
            gzipped = None
        headers = tuple((name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS)
        # Both bodies are stored: a few more kilobytes per read cost less than decompressing
        # for the clients that do not accept gzip.
        return cls(generations=generations, headers=headers, body=body, gzipped=gzipped, etag=etag)

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")

    def dump(self) -> tuple:
        return (self.FORMAT, self.generations, self.headers, self.body, self.gzipped, self.etag)

    @classmethod
    def load(cls, stored) -> Entry | None:
        if not (isinstance(stored, tuple) and len(stored) == 6 and stored[0] == cls.FORMAT):
            return None
        return cls(*stored[1:])

    def is_fresh(self, current: dict[str, int | None]) -> bool:
        return all(current.get(scope) == generation for scope, generation in self.generations)

    def response(self, request) -> HttpResponse:
        body = self.body
        gzipped = self.gzipped is not None and ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        if gzipped:
            body = self.gzipped
        response = HttpResponse(b"" if request.method == "HEAD" else body, headers=dict(self.headers))
        response.headers["Content-Length"] = str(len(body))
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        if request.META.get("HTTP_IF_NONE_MATCH"):
            response = get_conditional_response(request, etag=self.etag, response=response) or response
        return response


class AnonymousPageCacheMiddleware:
    """Serve anonymous visitors' pages from the cache (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.PAGE_CACHE_SECONDS
        if seconds <= 0 or not may_use_cache(request):
            return self.get_response(request)
        try:
            request.get_host()  # DisallowedHost: the inner stack answers 400
            sites = _sites
            key = entry_key(request, sites=sites)
            found = cache.get_many([*GENERATION_KEYS.values(), key] if key else [*GENERATION_KEYS.values()])
            current = {scope: found.get(generation_key) for scope, generation_key in GENERATION_KEYS.items()}
            if sites is None or sites.generation != current[CONTENT] or current[CONTENT] is None:
                # The sites may have changed (a change to a Site bumps the content generation).
                sites = _load_sites(generation=current[CONTENT])
                fresh_key = entry_key(request, sites=sites)
                if fresh_key != key:
                    key = fresh_key
                    found[key] = cache.get(key) if key else None
            if key is None:  # no Wagtail Site answers this host: Wagtail answers 404
                return self.get_response(request)
            stored = found.get(key)
            entry = Entry.load(stored)
            if entry is not None and entry.is_fresh(current):
                response = entry.response(request)
                response.headers[HEADER] = "hit"
                return response
            start_generations(current, sites=sites)
        except DisallowedHost:
            return self.get_response(request)  # the inner stack answers 400
        except Exception:
            _log_failure("the page cache cannot be read")
            return self.get_response(request)

        render = _Render()
        token = _render.set(render)
        try:
            response = self.get_response(request)
        finally:
            _render.reset(token)
        if not render.store or not is_cacheable(request, response) or None in current.values():
            return response
        if request.GET and not render.canonical_query:
            return response  # an address the page did not vouch for: answered, not stored
        timeout = seconds
        if render.expires_at is not None:
            timeout = min(seconds, int((render.expires_at - timezone.now()).total_seconds()))
        if timeout < 1:
            return response
        entry = Entry.build(response, generations=tuple((scope, current[scope]) for scope in sorted(render.scopes)))
        if entry.size > max_entry_bytes():
            return response
        try:
            if stored is None and not _count_new_entry(generation=current[CONTENT], timeout=seconds):
                return response  # the budget of new entries is spent until the window ends
            cache.set(key, entry.dump(), timeout)
        except Exception:
            _log_failure("the page cache cannot be written")
            return response
        response = entry.response(request)
        response.headers[HEADER] = "miss"
        return response


def max_entries() -> int:
    return getattr(settings, "PAGE_CACHE_MAX_ENTRIES", 1000)


def max_entry_bytes() -> int:
    return getattr(settings, "PAGE_CACHE_MAX_ENTRY_BYTES", 512 * 1024)


def _count_new_entry(*, generation: int, timeout: int) -> bool:
    """Count a key about to be created; False once this generation's window holds the maximum.

    Only new keys count (a page stored again after a change overwrites its key): the
    counter bounds how many keys exist, each living ``PAGE_CACHE_SECONDS`` at most.
    """
    counter = f"pagecache:entries:{generation}"
    cache.add(counter, 0, timeout=timeout)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add and incr: a new window
        cache.add(counter, 1, timeout=timeout)
        count = 1
    return count <= max_entries()


# -- which Wagtail Site a request is for, without a database query on a hit ------------------


@dataclasses.dataclass(frozen=True)
class _SiteRow:
    pk: int
    hostname: str
    port: int
    is_default: bool


@dataclasses.dataclass(frozen=True)
class _Sites:
    """The Sites table as this process last read it, tagged with the content generation of then."""

    generation: int | None
    rows: tuple[_SiteRow, ...]

    def site_for(self, hostname: str, port: int) -> int | None:
        """The id of the Site that Wagtail's ``Site.find_for_request`` picks (same rules), or None."""
        candidates = [row for row in self.rows if row.hostname == hostname or row.is_default]
        for row in candidates:
            if row.hostname == hostname and row.port == port:
                return row.pk
        for row in candidates:
            if row.hostname == hostname and row.is_default:
                return row.pk
        if len(candidates) == 1:
            return candidates[0].pk
        defaults = [row for row in candidates if row.is_default]
        if defaults:
            named = [row for row in candidates if not row.is_default]
            return named[0].pk if len(named) == 1 else defaults[0].pk
        return None


_sites: _Sites | None = None


def _load_sites(*, generation: int | None) -> _Sites:
    """Read the Sites (one small query), after the generation was read: a later change bumps it past."""
    global _sites
    from wagtail.models import Site

    rows = tuple(
        _SiteRow(pk, hostname, port, is_default)
        for pk, hostname, port, is_default in Site.objects.values_list("pk", "hostname", "port", "is_default_site")
    )
    _sites = _Sites(generation=generation, rows=rows)
    return _sites


def start_generations(current: dict[str, int | None], *, sites: _Sites | None = None) -> None:
    """Give a value to each generation the cache does not hold (first request, flushed or evicted).

    Set before the page renders, so any change made after the render started bumps it past
    the value the entry records. Lost to a concurrent writer: ``None`` stays, nothing is stored.
    The Sites read after the missing content generation was seen hold as of the new value
    (a change in between would have created the key first, and this ``add`` would have lost).
    """
    global _sites
    for scope, generation in current.items():
        if generation is None:
            value = _fresh_generation()
            if cache.add(GENERATION_KEYS[scope], value, timeout=None):
                current[scope] = value
                if scope == CONTENT and sites is not None and sites.generation is None and _sites is sites:
                    _sites = dataclasses.replace(sites, generation=value)


def may_use_cache(request) -> bool:
    """Only anonymous GET and HEAD requests: no session, no pending messages, no credentials.

    Never a request Wagtail makes up (``is_dummy``: a preview, a moderator's view of a
    revision): it would get the published page from the cache instead of the draft.
    """
    cookies = request.COOKIES
    return (
        not getattr(request, "is_dummy", False)
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
        and "HTTP_AUTHORIZATION" not in request.META
    )


def visitor_language(request) -> str:
    """The language the site will answer in (as ``core.middleware.SiteLanguageMiddleware`` picks it)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def entry_key(request, *, sites: _Sites | None) -> str | None:
    """Scheme, Site id, path, sorted query, language: hashed to a key of fixed length.

    None when no Site answers the request's host, or the Sites are not read yet.
    """
    if sites is None:
        return None
    hostname = split_domain_port(request._get_raw_host())[0]  # as Wagtail's Site.find_for_request
    site_id = sites.site_for(hostname, int(request.get_port() or 0))
    if site_id is None:
        return None
    query = urlencode(sorted((name, value) for name, values in request.GET.lists() for value in values))
    identity = "\n".join([request.scheme, str(site_id), request.path, query, visitor_language(request)])
    return "pagecache:page:" + hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()


def mark_cacheable(request, *, query_params=()) -> None:
    """The page serving ``request`` allows its response to be cached (a before_serve_page hook).

    Only with no query parameter besides ``query_params``, those that change the page: an
    address with others (tracking tags, cache busters) is served but not stored, so that
    nobody can fill the cache (and the Redis the broker lives in) with made-up addresses.
    """
    if all(name in query_params for name in request.GET):
        request.page_cache_allowed = True


def is_cacheable(request, response) -> bool:
    """Whether this response may be served to every anonymous visitor of the same address."""
    if not getattr(request, "page_cache_allowed", False) or getattr(request, "is_preview", False):
        return False
    if response.status_code != 200 or response.streaming or response.cookies or response.has_header("Content-Encoding"):
        return False
    directives = split_header_value(response.get("Cache-Control", ""))
    if {directive.split("=")[0].strip().lower() for directive in directives} & UNCACHEABLE_CACHE_CONTROL:
        return False
    if {part.lower() for part in split_header_value(response.get("Vary", ""))} - ALLOWED_VARY:
        return False
    # Per-visitor secrets: a CSRF token in the page, or a CSP nonce in the page and its header.
    # (get_token() marks the request CSRF_COOKIE_NEEDS_UPDATE, then the CSRF middleware sets
    # the cookie again, which alone would refuse it; the mark holds without that middleware too.)
    if "CSRF_COOKIE_NEEDS_UPDATE" in request.META or getattr(request, "_csp_nonce", None):
        return False
    if "'nonce-" in response.get("Content-Security-Policy", ""):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


_last_failure_log = 0.0


def _log_failure(message: str) -> None:
    """Log a cache failure at most once a minute (at thousands of requests a second, once is enough)."""
    global _last_failure_log
    now = time.monotonic()
    if now - _last_failure_log >= 60:
        _last_failure_log = now
        logger.warning("%s; pages are served without it", message, exc_info=True)
