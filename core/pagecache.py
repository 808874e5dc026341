"""A cache of whole pages, for anonymous visitors and members alike, invalidated by publishing and seat changes.

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

Members (visitors with a session)
    A page for a member is the stored page with its *per-visitor fragments* drawn for them.
    Every part of a cacheable page that depends on who asks goes through :func:`per_visitor`
    (templates: ``{% per_visitor_include %}``; the training's enrollment panel through
    ``programs.panels``): the header's account link, the home page's sign-up call, the
    enrollment panel with its button, seats and CSRF token. While an anonymous request renders
    the page, each fragment is marked; the entry keeps where each lies and how to draw it again
    (a name and a few ids). ``MemberPageCacheMiddleware``, listed after authentication and
    messages, serves members from the same entry, drawing only the fragments (a few queries),
    never compressed (a CSRF token in a compressed page is what BREACH reads). Without a fresh
    entry it renders the page *as an anonymous visitor* (:func:`as_anonymous`), stores that,
    and draws the member's fragments into it: a member's state is never stored. Staff (the
    Wagtail userbar is theirs) get the whole stack, as do member, account and admin paths
    (``NO_STORE_PATH_PREFIXES``). Fragments registered ``keep_per_visitor`` (the enrollment
    panel, the account link) are drawn once per member and page and *kept* for them
    (:class:`KeptDrawings`): a member's hit then costs no query until something they show
    changes, and the stored copy of the page still never holds anyone's state.

What is never cached
    Previews, pages with view restrictions (Wagtail marks their responses ``Cache-Control:
    private, no-store``), responses other than 200, streaming responses, responses that set a
    cookie, that say ``private``/``no-store``/``no-cache``, that vary on anything but Cookie
    and Accept-Encoding, and responses that used a per-visitor secret outside a fragment: a
    CSRF token (``{% csrf_token %}`` would put one visitor's token in everyone's page) or the
    CSP nonce (a nonce shared by every visitor is no nonce).

How it is invalidated
    Each entry records the *generation* of what it was built from; a hit reads the current
    generations and the entry in one round trip (``cache.get_many``) and serves the entry only
    if they match. :func:`invalidate` bumps a generation when the current transaction commits;
    the generations an entry records are those read before its page read any row, so a page
    rendered from the old rows while the change was being written cannot be stored as fresh
    (it carries the generation from before the bump). Two generations:

    ``content``
        every page depends on it; bumped when a page is published, unpublished, moved or
        deleted, when snippets and settings shown on pages change (site settings, districts,
        partners, news categories, tags, images, documents, sites) and after ``migrate``
        (a deploy).
    ``seats``
        only pages that showed seat counts depend on it (``members.enrollment.seats_for``
        declares it while the page renders); bumped by every enrollment change, so "seats
        left" is exact for anonymous visitors while an enrollment storm leaves the other
        pages cached. Seats show only inside fragments, so a member's copy does not depend
        on it (its panel is drawn from the database): an entry records both the generations
        of the whole page and those of its frame (the page outside its fragments).

    An entry also expires at the next moment its content changes by itself (a training's
    enrollment opening or closing, a training starting or ending: :func:`valid_until`), and
    after ``PAGE_CACHE_SECONDS`` at the latest (default 300; 0 turns the cache off).

    With ``REDIS_URL`` the cache is Redis, shared by every web process; without it, each
    process has its own local-memory cache, which is only right for a single process (dev).

An anonymous hit costs one cache round trip and no database query: the middleware sits right
after WhiteNoise, before sessions, CSRF and CSP. A member's hit costs one cache round trip too
(the generations, the entry, the session and what was kept for it, read at once) and no query
once their fragments are kept; drawing them costs what they read. Responses carry
``X-Page-Cache: hit`` or ``miss`` (anonymous), ``member-hit`` or ``member-miss`` (drawn for a
session), absent: not cacheable. Anonymous
answers carry a weak ETag (a revisit costs a 304), ``Vary: Cookie, Accept-Encoding``, and are
sent gzip-compressed to browsers that accept it (safe here: a cached page holds no secret for
BREACH to extract).

Longer than 400 lines on purpose: the key, the generations, what may be stored and the
middleware decide together whether a visitor may see a stored page; a mistake between them
serves one visitor's page to another, so they are read (and tested, tests/test_pagecache.py
and tests/test_member_pagecache.py) as one.
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import gzip
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from importlib import import_module

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import split_header_value, urlencode
from django.utils.safestring import mark_safe

from . import sites as site_rules

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
    # What the per-visitor fragments showed (seats in the enrollment panel): an anonymous hit
    # needs these fresh too, a member's hit renders the fragments again and needs only ``scopes``.
    fragment_scopes: set[str] = dataclasses.field(default_factory=set)
    expires_at: datetime | None = None
    store: bool = True
    canonical_query: bool = False
    fragments: list[tuple[str, tuple]] = dataclasses.field(default_factory=list)
    in_fragment: bool = False
    # Drawing a fragment to be kept for its visitor: forms get CSRF_PLACEHOLDER, not a token.
    keeping: bool = False
    # Marks the fragments in the rendered body; unguessable, so no content can forge one.
    marker: str = dataclasses.field(default_factory=lambda: secrets.token_hex(8))


_render: contextvars.ContextVar[_Render | None] = contextvars.ContextVar("pagecache_render", default=None)


def depends_on(scope: str) -> None:
    """The page being rendered shows data of ``scope`` (e.g. seat counts); no-op outside a cached render."""
    if (render := _render.get()) is not None:
        (render.fragment_scopes if render.in_fragment else render.scopes).add(scope)


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


# -- per-visitor fragments: the holes a member's copy of a cached page is filled in ----------

_fragment_renderers: dict[str, Callable[..., str]] = {}
_kept_fragments: set[str] = set()


def register_fragment(name: str, render: Callable[..., str], *, keep_per_visitor: bool = False) -> None:
    """``render(request, **args)`` draws the fragment ``name`` for one visitor (safe HTML).

    The app that owns a per-visitor part of a page registers it once (in its ``ready()``);
    :func:`per_visitor` calls it while the page renders and the member middleware calls it
    again for each member served from the stored page.

    ``keep_per_visitor``: the member middleware keeps what it drew for a logged-in visitor
    (:class:`KeptDrawings`). Only for a fragment whose drawing depends on nothing but its
    args, the content and seats generations, the visitor's own rows (its app calls
    :func:`visitor_changed` on every change of what it reads of them) and moments it
    declares with :func:`valid_until`; its forms take their token from :func:`csrf_token`.
    """
    _fragment_renderers[name] = render
    if keep_per_visitor:
        _kept_fragments.add(name)
    else:
        _kept_fragments.discard(name)


def per_visitor(request, name: str, *, draw: Callable[[], str] | None = None, **args) -> str:
    """The fragment ``name`` for this visitor, marked in the page when the page may be stored.

    ``args`` (ids, template names: str, int, bool) are kept with the entry, so that the
    fragment can be drawn again for another visitor from them alone. Everything a page shows
    that depends on who asks (the account link, the enrollment panel and its CSRF token) goes
    through here: the rest of a cacheable page is the same for every visitor. ``draw``: how
    to draw it now from what the page already holds (the registered renderer would load it
    again from ``args``); both must draw the same.
    """
    if draw is None:
        draw = partial(_fragment_renderers[name], request, **args)
    render = _render.get()
    if render is None or render.in_fragment:
        return draw()
    render.in_fragment = True
    try:
        html = draw()
    finally:
        render.in_fragment = False
    index = len(render.fragments)
    render.fragments.append((name, tuple(sorted(args.items()))))
    return mark_safe(f"<!--{render.marker}:{index}-->{html}<!--/{render.marker}:{index}-->")  # noqa: S308


# Stands for the visitor's CSRF token in a kept drawing; replaced by a fresh token on each answer.
CSRF_PLACEHOLDER = "pagecache-csrf-" + "0" * 32


def csrf_token(request) -> str:
    """The CSRF token for a form in a per-visitor fragment (the template's ``csrf_token``).

    While the fragment is drawn to be kept, a placeholder, which :meth:`Entry.response_for`
    replaces with this request's own token: a kept drawing never holds a token.
    """
    render = _render.get()
    if render is not None and render.keeping:
        return CSRF_PLACEHOLDER
    from django.middleware.csrf import get_token

    return get_token(request)


INCLUDE_FRAGMENT = "core.include"


def render_include(request, *, template: str) -> str:
    """The fragment ``{% per_visitor_include %}`` draws: a template with the request's context only."""
    return render_to_string(template, request=request)


register_fragment(INCLUDE_FRAGMENT, render_include)
MESSAGES_FRAGMENT = "core.messages"


def render_messages(request, *, template: str) -> str:
    """The messages waiting for this visitor (``{% per_visitor_messages %}``); nothing, and no
    template drawn, when none wait (most pages: counting them marks none as shown)."""
    storage = getattr(request, "_messages", None)
    if storage is not None and not len(storage):
        return ""
    return render_include(request, template=template)


register_fragment(MESSAGES_FRAGMENT, render_messages)
# ``{% per_visitor_include ... keep=True %}``: a template that shows nothing of its visitor but
# what their user row says (the header's account link), kept for each member (KeptDrawings).
KEPT_INCLUDE_FRAGMENT = "core.include.kept"
register_fragment(KEPT_INCLUDE_FRAGMENT, render_include, keep_per_visitor=True)


def _cut_fragments(body: str, render: _Render) -> tuple[str, tuple | None]:
    """The body without its fragment marks, and where each fragment lies in it (UTF-8 offsets).

    ``None`` for the spans when the marks are not all there exactly once and in order (a
    fragment drawn inside another, or cut by a filter): the page is then never served to a
    member from the cache, only to anonymous visitors.
    """
    pattern = re.compile(rf"<!--(/?){render.marker}:(\d+)-->")
    pieces, spans, expected, offset, position, start = [], [], 0, 0, 0, None
    valid = True
    for match in pattern.finditer(body):
        closing, index = bool(match.group(1)), int(match.group(2))
        text = body[position : match.start()].encode()
        pieces.append(text)
        offset += len(text)
        position = match.end()
        if index != expected or closing != (start is not None):
            valid = False
        elif closing:
            name, args = render.fragments[index]
            spans.append((start, offset, name, args))
            start = None
            expected += 1
        else:
            start = offset
    pieces.append(body[position:].encode())
    if start is not None or expected != len(render.fragments):
        valid = False
    return b"".join(pieces), (tuple(spans) if valid else None)


# -- invalidation ----------------------------------------------------------------------------


def invalidate(scope: str = CONTENT) -> None:
    """Pages built from data of ``scope`` are stale once the current transaction commits (at once
    outside one). One bump is enough: an entry records the generations its request read before
    it read any row, so a page drawn from the old rows, even stored after the commit, carries a
    generation older than this bump's. (A bump before the commit as well cost every enrollment
    of a storm a Redis round trip and made the tests pass without the commit's bump.)"""
    transaction.on_commit(partial(_bump, scope), robust=True)


def visitor_changed(user_id: int | None) -> None:
    """What was drawn for this user alone (kept drawings) is stale: deleted now, and again on commit."""
    if user_id is not None:
        _forget_visitor(user_id)
        transaction.on_commit(partial(_forget_visitor, user_id), robust=True)


# A visitor's generation outlives their kept drawings (PAGE_CACHE_SECONDS at most); when it
# expires, the next value is new (a time), so a drawing made under an older one is not kept.
VISITOR_GENERATION_SECONDS = 24 * 3600


def visitor_key(user_id: int | str) -> str:
    return f"pagecache:visitor:{user_id}"


def kept_index_key(user_id: int | str) -> str:
    """The set of the keys of what is kept for this user (every session, every page)."""
    return f"pagecache:kept-for:{user_id}"


def _forget_visitor(user_id: int | str) -> None:
    try:
        if hasattr(cache, "forget_owner"):  # the site's Redis cache (core.cache): one atomic step
            cache.forget_owner(
                index=kept_index_key(user_id),
                generation_key=visitor_key(user_id),
                fresh=_fresh_generation(),
                timeout=VISITOR_GENERATION_SECONDS,
            )
            return
        # A local-memory cache (one process, development): the same steps one after the other.
        _bump_key(visitor_key(user_id), VISITOR_GENERATION_SECONDS)
        cache.delete_many([*cache.get(kept_index_key(user_id), ()), kept_index_key(user_id)])
    except Exception:  # the cache being down must not break a member's change
        _log_failure("could not invalidate the page cache")


def _keep_for_visitor(key: str, value, timeout: int, *, user_id: str, generation: int) -> None:
    """Store what was drawn for a member, listed under them, unless they changed since ``generation``."""
    index = kept_index_key(user_id)
    try:
        if hasattr(cache, "keep_for_owner"):  # the site's Redis cache (core.cache): one atomic step
            cache.keep_for_owner(
                key,
                value,
                timeout,
                index=index,
                index_timeout=settings.PAGE_CACHE_SECONDS,
                generation_key=visitor_key(user_id),
                generation=generation,
            )
            return
        if cache.get(visitor_key(user_id)) == generation:
            cache.set(key, value, timeout)
            cache.set(index, {*cache.get(index, ()), key}, settings.PAGE_CACHE_SECONDS)
    except Exception:
        _log_failure("the page cache cannot be written")


def _bump(scope: str) -> None:
    _bump_key(GENERATION_KEYS[scope])


def _bump_key(key: str, timeout: int | None = None) -> None:
    try:
        if hasattr(cache, "bump"):  # the site's Redis cache (core.cache): one round trip
            cache.bump(key, _fresh_generation(), timeout=timeout)
            return
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): any new value makes every entry stale
            cache.add(key, _fresh_generation(), timeout=timeout)
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

    generations: tuple[tuple[str, int], ...]  # of the whole page, as an anonymous visitor sees it
    frame_generations: tuple[tuple[str, int], ...]  # of the page outside its per-visitor fragments
    headers: tuple[tuple[str, str], ...]
    body: bytes
    gzipped: bytes | None  # the body compressed, when that makes it smaller
    etag: str
    # (start, end, name, args) of each per-visitor fragment in ``body``; None: not for members.
    fragments: tuple[tuple[int, int, str, tuple], ...] | None

    FORMAT = 2  # raise when the fields change: entries of an older release are then ignored

    @classmethod
    def build(cls, response, *, generations, frame_generations=None, fragments=()) -> Entry:
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
        return cls(
            generations=generations,
            frame_generations=generations if frame_generations is None else frame_generations,
            headers=headers,
            body=body,
            gzipped=gzipped,
            etag=etag,
            fragments=fragments,
        )

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")

    def dump(self) -> tuple:
        return (
            self.FORMAT,
            self.generations,
            self.frame_generations,
            self.headers,
            self.body,
            self.gzipped,
            self.etag,
            self.fragments,
        )

    @classmethod
    def load(cls, stored) -> Entry | None:
        if not (isinstance(stored, tuple) and len(stored) == 8 and stored[0] == cls.FORMAT):
            return None
        return cls(*stored[1:])

    def is_fresh(self, current: dict[str, int | None]) -> bool:
        return all(current.get(scope) == generation for scope, generation in self.generations)

    def frame_is_fresh(self, current: dict[str, int | None]) -> bool:
        return all(current.get(scope) == generation for scope, generation in self.frame_generations)

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

    def response_for(self, request, *, kept: KeptDrawings | None = None) -> HttpResponse:
        """The page with each fragment drawn for this visitor (never compressed: it may hold a
        CSRF token, which compression next to attacker-chosen text would leak, BREACH).

        ``kept``: where this visitor's kept drawings are (a logged-in member); fragments
        registered ``keep_per_visitor`` are then read from there, or drawn and kept.
        """
        drawings = kept.read(self.fragments) if kept is not None else {}
        pieces, position, token = [], 0, None
        for index, (start, end, name, args) in enumerate(self.fragments):
            pieces.append(self.body[position:start])
            html = drawings.get(index)
            if html is None:
                html = _fragment_renderers[name](request, **dict(args))
            if CSRF_PLACEHOLDER in html:
                token = token or csrf_token(request)
                html = html.replace(CSRF_PLACEHOLDER, token)
            pieces.append(html.encode())
            position = end
        pieces.append(self.body[position:])
        body = b"".join(pieces)
        headers = {name: value for name, value in self.headers if name.lower() != "etag"}
        response = HttpResponse(b"" if request.method == "HEAD" else body, headers=headers)
        response.headers["Content-Length"] = str(len(body))
        return response


def _look_up(request, *, session=None) -> tuple[str | None, object, dict[str, int | None], _Sites | None]:
    """The entry's key, what the cache holds under it, the current generations, the Sites.

    One cache round trip (``get_many``) when this process knows the Sites of the current
    content generation; raises DisallowedHost for a host Django refuses. ``session`` (a
    member's request): the session itself and what was kept for it on this page are read in
    the same round trip; the session is handed over (``prime``), so reading it costs nothing
    more, and the kept drawings wait in ``request.page_cache_kept`` (a :class:`KeptDrawings`).
    """
    request.get_host()  # DisallowedHost: the inner stack answers 400
    sites = _sites
    key = entry_key(request, sites=sites)
    session_key = _session_cache_key(session)
    kept_key = KeptDrawings.key_for(key, session.session_key) if key and session_key else None
    found = cache.get_many([*GENERATION_KEYS.values(), *_present(session_key, kept_key, key)])
    if session_key:
        session.prime(found.get(session_key))
    current = {scope: found.get(generation_key) for scope, generation_key in GENERATION_KEYS.items()}
    if sites is None or sites.generation != current[CONTENT] or current[CONTENT] is None:
        # The sites may have changed (a change to a Site bumps the content generation).
        sites = _load_sites(generation=current[CONTENT])
        fresh_key = entry_key(request, sites=sites)
        if fresh_key != key:
            key = fresh_key
            kept_key = KeptDrawings.key_for(key, session.session_key) if key and session_key else None
            found |= cache.get_many(_present(kept_key, key))
    if kept_key:
        request.page_cache_kept = KeptDrawings(request, key=kept_key, current=current, stored=found.get(kept_key))
    return key, found.get(key) if key else None, current, sites


def _present(*keys: str | None) -> list[str]:
    return [key for key in keys if key]


def _session_cache_key(session) -> str | None:
    """Where the page cache's cache holds this session (``core.sessions``), if it does."""
    lookup_key = getattr(session, "lookup_key", None)
    if lookup_key is None or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:
        return None
    return lookup_key()


class AnonymousPageCacheMiddleware:
    """Serve anonymous visitors' pages from the cache (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PAGE_CACHE_SECONDS <= 0 or not may_use_cache(request):
            return self.get_response(request)
        try:
            key, stored, current, sites = _look_up(request)
            if key is None:  # no Wagtail Site answers this host: Wagtail answers 404
                return self.get_response(request)
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
        response, entry = _render_and_store(self.get_response, request, key=key, stored=stored, current=current)
        if entry is None:
            return response
        response = entry.response(request)
        response.headers[HEADER] = "miss"
        return response


def _render_and_store(get_response, request, *, key, stored, current) -> tuple[HttpResponse, Entry | None]:
    """Render the page for an anonymous ``request``; store it when every rule allows (the Entry)."""
    render = _Render()
    token = _render.set(render)
    try:
        response = get_response(request)
    finally:
        _render.reset(token)
    fragments = ()
    if render.fragments and not response.streaming:
        # The marks come out of every answer, stored or not.
        response.content, fragments = _cut_fragments(response.content.decode(response.charset), render)
        if response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
    if not render.store or not is_cacheable(request, response) or None in current.values():
        return response, None
    if request.GET and not render.canonical_query:
        return response, None  # an address the page did not vouch for: answered, not stored
    seconds = settings.PAGE_CACHE_SECONDS
    timeout = seconds
    if render.expires_at is not None:
        timeout = min(seconds, int((render.expires_at - timezone.now()).total_seconds()))
    if timeout < 1:
        return response, None
    entry = Entry.build(
        response,
        generations=tuple((scope, current[scope]) for scope in sorted(render.scopes | render.fragment_scopes)),
        frame_generations=tuple((scope, current[scope]) for scope in sorted(render.scopes)),
        fragments=fragments,
    )
    if entry.size > max_entry_bytes():
        return response, None
    try:
        if stored is None and not _count_new_entry(generation=current[CONTENT], timeout=seconds):
            return response, None  # the budget of new entries is spent until the window ends
        cache.set(key, entry.dump(), timeout)
    except Exception:
        _log_failure("the page cache cannot be written")
        return response, None
    return response, entry


class MemberPageCacheMiddleware:
    """Serve visitors with a session (members) the stored page with their own fragments drawn in.

    Listed after the authentication and messages middleware: the session, the user and the
    CSRF cookie are there, and the response phases of the middleware before it (sessions,
    ``Cache-Control: private``, CSRF cookie, language) run as for any page. The stored page's
    per-visitor generations (seats) do not matter here: the fragments that showed them are
    drawn again, from the database, for this member.

    When nothing fresh is stored, the page is rendered *as an anonymous visitor would get it*
    (a copy of the request without session, user, CSRF cookie or messages), stored for
    everyone, and served with the member's fragments: a member's own state never reaches the
    stored copy. An address whose anonymous page may not be stored is remembered as such
    for ``PAGE_CACHE_SECONDS``, so it is rendered once, for the member, by the whole stack.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.skipped_prefixes = tuple(settings.NO_STORE_PATH_PREFIXES)

    def __call__(self, request):
        if (
            settings.PAGE_CACHE_SECONDS <= 0
            or request.path.startswith(self.skipped_prefixes)
            or not may_try_cache_with_session(request)
        ):
            return self.get_response(request)
        try:
            key, stored, current, sites = _look_up(request, session=request.session)
            if key is None or stored == NOT_STORED:  # no Site for this host; a page not stored
                return self.get_response(request)
            if not may_serve_from_cache_with_session(request):  # staff
                return self.get_response(request)
            kept = getattr(request, "page_cache_kept", None)
            entry = Entry.load(stored)
            if entry is not None and entry.frame_is_fresh(current):
                if entry.fragments is None:  # its fragments could not be told apart: not for members
                    return self.get_response(request)
                response = entry.response_for(request, kept=kept)
                response.headers[HEADER] = "member-hit"
                return response
            start_generations(current, sites=sites)
        except DisallowedHost:
            return self.get_response(request)  # the inner stack answers 400
        except Exception:
            _log_failure("the page cache cannot be read")
            return self.get_response(request)
        _anonymous_response, entry = _render_and_store(
            self.get_response, as_anonymous(request), key=key, stored=stored, current=current
        )
        if entry is None or entry.fragments is None:
            _remember_not_stored(key)  # (an entry stored for anonymous visitors is kept)
            return self.get_response(request)
        response = entry.response_for(request, kept=kept)
        response.headers[HEADER] = "member-miss"
        return response


class KeptDrawings:
    """What was drawn for one logged-in member's session on one page, of its fragments registered ``keep_per_visitor``.

    The drawings (the training's enrollment panel, the header's account link) lie in the cache
    under a key of the page's entry and the session (the language is in the entry's key), with
    the member's id and the session's password hash, and the generations they were drawn
    from (content and seats); they are read with the entry and the session in one round trip
    and served only to that member, while both generations are current, so a kept panel's
    seats are exactly as fresh as the anonymous page's. Whatever is kept for a member is
    deleted when their app says something they show changed (:func:`visitor_changed`, which
    also moves their generation on, so a drawing made from the old rows meanwhile is not
    stored): the member's state is never older than their last change. They live until the
    first moment a drawing declared (:func:`valid_until`), ``PAGE_CACHE_SECONDS`` at most.
    They hold no CSRF token (:func:`csrf_token` gives a placeholder while they are drawn,
    replaced by the request's own token in every answer); a drawing that took a real token
    anyway is served, never kept. A cache failure only means drawing again.
    """

    FORMAT = 2

    def __init__(self, request, *, key: str, current: dict[str, int | None], stored):
        self.request = request
        self.key = key
        self.current = current
        self.stored = stored

    @staticmethod
    def key_for(entry_key: str, session_key: str) -> str:
        """The key of what was kept for a session on a page (hashed: no session key in the cache's keys)."""
        identity = f"{entry_key}\n{session_key}"
        return "pagecache:kept:" + hashlib.sha256(identity.encode()).hexdigest()

    def read(self, fragments) -> dict[int, str]:
        """Index of each kept fragment of ``fragments`` -> its drawing (kept, or drawn and kept).

        Nothing for a session that logged in nobody. The session's password hash is checked
        too: a session that a password change ended (Django logs it out when it loads its
        user) never reads what was drawn before.
        """
        wanted = {
            index: (name, args) for index, (_start, _end, name, args) in enumerate(fragments) if name in _kept_fragments
        }
        member = session_member(self.request)
        if not wanted or member is None or None in self.current.values():
            return {}
        user_id, session_hash = member
        generations = tuple(sorted(self.current.items()))
        stored = self.stored
        if (
            isinstance(stored, tuple)
            and len(stored) == 5
            and stored[0] == self.FORMAT
            and stored[1] == generations
            and stored[2:4] == (user_id, session_hash)
            and {index: drawn[:2] for index, drawn in stored[4].items()} == wanted
        ):
            return {index: drawn[2] for index, drawn in stored[4].items()}
        try:
            # Read before drawing: if the member changes meanwhile, what is drawn is not kept.
            generation = cache.get(visitor_key(user_id))
            if generation is None:  # the member's first drawing (or their generation expired)
                generation = _fresh_generation()
                if not cache.add(visitor_key(user_id), generation, timeout=VISITOR_GENERATION_SECONDS):
                    return {}  # changed meanwhile: drawn, not kept, this time
        except Exception:
            _log_failure("the page cache cannot be read")
            return {}
        drawings, expires_at, keep = {}, None, True
        for index, (name, args) in wanted.items():
            html, moment, took_token = self._draw(name, args)
            drawings[index] = (name, args, str(html))
            keep = keep and not took_token
            if moment is not None and (expires_at is None or moment < expires_at):
                expires_at = moment
        # Drawn for the member the session names (not for a session Django just logged out).
        keep = keep and str(self.request.user.pk) == user_id
        timeout = settings.PAGE_CACHE_SECONDS
        if expires_at is not None:
            timeout = min(timeout, int((expires_at - timezone.now()).total_seconds()))
        if keep and timeout >= 1:
            value = (self.FORMAT, generations, user_id, session_hash, drawings)
            _keep_for_visitor(self.key, value, timeout, user_id=user_id, generation=generation)
        return {index: drawn[2] for index, drawn in drawings.items()}

    def _draw(self, name: str, args: tuple) -> tuple[str, datetime | None, bool]:
        """The drawing, the moment it changes by itself, whether it took a real CSRF token."""
        meta = self.request.META
        token_was_taken = meta.pop("CSRF_COOKIE_NEEDS_UPDATE", None)
        render = _Render(in_fragment=True, keeping=True)
        context_token = _render.set(render)
        try:
            html = _fragment_renderers[name](self.request, **dict(args))
        finally:
            _render.reset(context_token)
            took_token = "CSRF_COOKIE_NEEDS_UPDATE" in meta
            if token_was_taken is not None:
                meta["CSRF_COOKIE_NEEDS_UPDATE"] = token_was_taken
        return html, render.expires_at, took_token


# What the cache holds under a page's key when its anonymous render could not be stored.
NOT_STORED = "not-stored"


def _remember_not_stored(key: str) -> None:
    try:
        cache.add(key, NOT_STORED, timeout=settings.PAGE_CACHE_SECONDS)
    except Exception:
        _log_failure("the page cache cannot be written")


def as_anonymous(request):
    """A copy of ``request`` as an anonymous visitor without cookies of their own would send it.

    Only the language cookie is kept (it picks the entry); the session, the user, the CSRF
    cookie and the messages are the anonymous visitor's, empty, and never saved.
    """
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage import default_storage

    anonymous = copy.copy(request)
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    anonymous.COOKIES = {settings.LANGUAGE_COOKIE_NAME: language} if language else {}
    anonymous.META = {name: value for name, value in request.META.items() if name not in ANONYMOUS_DROPPED_META}
    anonymous.session = import_module(settings.SESSION_ENGINE).SessionStore()
    anonymous.user = AnonymousUser()

    async def auser():
        return anonymous.user

    anonymous.auser = auser
    anonymous._messages = default_storage(anonymous)
    return anonymous


# What CsrfViewMiddleware and the session put in META for the member (their cookie, their token).
ANONYMOUS_DROPPED_META = {"HTTP_COOKIE", "CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE", "HTTP_AUTHORIZATION"}


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
    is_default_site: bool


@dataclasses.dataclass(frozen=True)
class _Sites:
    """The Sites table as this process last read it, tagged with the content generation of then."""

    generation: int | None
    rows: tuple[_SiteRow, ...]

    def site_for(self, hostname: str, port: int) -> int | None:
        """The id of the Site that Wagtail's ``Site.find_for_request`` picks (same rules), or None."""
        row = site_rules.choose(self.rows, hostname, port)
        return row.pk if row is not None else None


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


def session_member(request) -> tuple[str, str] | None:
    """The user id and password hash a session holds, when one of the site's backends logged
    it in; None otherwise. Read from the session alone: the user row is loaded only when
    something is drawn for them (a session whose hash no longer matches is then logged out
    by Django, and what it drew is not kept). Read once per request (the middleware asks twice)."""
    if not hasattr(request, "_page_cache_member"):
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

        user_id, backend, session_hash = (
            request.session.get(name) for name in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY)
        )
        found = user_id and session_hash and backend in settings.AUTHENTICATION_BACKENDS
        request._page_cache_member = (str(user_id), str(session_hash)) if found else None
    return request._page_cache_member


def may_try_cache_with_session(request) -> bool:
    """A GET or HEAD by a visitor with a session cookie: the member middleware looks the page up
    (reading the session with it), then asks :func:`may_serve_from_cache_with_session`."""
    return not (
        getattr(request, "is_dummy", False)
        or settings.SESSION_COOKIE_NAME not in request.COOKIES  # without one: the anonymous cache's
        or request.method not in ("GET", "HEAD")
        or "HTTP_AUTHORIZATION" in request.META
        or getattr(request, "session", None) is None
    )


def may_serve_from_cache_with_session(request) -> bool:
    """A visitor with a session who is not staff (asked once the session is read).

    Staff are served by the whole stack: the Wagtail userbar on their pages is theirs. The
    messages waiting for a visitor are a fragment of every page (``includes/messages.html``),
    shown once like any other.
    """
    # Asked once per session (is_staff): once known, the user need not be loaded for it.
    known, member = request.session.get(SESSION_STAFF_KEY), session_member(request)
    if member is not None and isinstance(known, list) and len(known) == 2 and str(known[0]) == member[0]:
        return not known[1]
    user = request.user
    return not (user.is_authenticated and is_staff(user, session=request.session))


SESSION_STAFF_KEY = "pagecache_staff"


def is_staff(user, *, session) -> bool:
    """Whether ``user`` may enter the Wagtail admin (and so sees the userbar), asked once per session.

    The answer is kept in the session with the user's id (two queries saved on every page). A
    member made staff while logged in sees the userbar after logging in again; staff who lose
    the right are served by the whole stack until then, where the userbar asks again.
    """
    known = session.get(SESSION_STAFF_KEY)
    if isinstance(known, list) and len(known) == 2 and known[0] == user.pk:
        return bool(known[1])
    staff = user.has_perm("wagtailadmin.access_admin")
    session[SESSION_STAFF_KEY] = [user.pk, staff]
    return staff


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
