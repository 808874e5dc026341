"""Members served from the page cache (core/pagecache.py, MemberPageCacheMiddleware).

A logged-in member gets the page an anonymous visitor's request stored, with their own parts
drawn in for them: the header's account link, the home page's sign-up call, the training's
enrollment panel with its button, seats and CSRF token. What they must notice: their own state
and nobody else's, a form that works, seats as fresh as anonymous visitors', messages shown.
"""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .people import PEOPLE
from .services import CACHE_KINDS, use_cache
from .test_pagecache import ARTICLE, HOME, NEWS, PROGRAM, PROGRAMS, cache_state, visit

pytestmark = pytest.mark.django_db

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DTSTAMP = re.compile(r"DTSTAMP:\d{8}T\d{6}Z")  # when the .ics was made


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(params=CACHE_KINDS)
def either_cache(request, settings, page_cache):
    """The page cache on the tests' local memory, then on production's Redis (core.cache), where
    keeping and forgetting a member's drawings are scripts of their own."""
    use_cache(settings, request.param, prefix="member-pages")
    cache.clear()
    yield request.param
    cache.clear()


def logged_in(member) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    return client


def enroll_through_the_page(client, training):
    """What the member's browser does: POST the panel's form with its token and the cookie. The
    request's transaction is committed as far as its on-commit callbacks go (the seats' bump)."""
    from django.test import TestCase

    html = visit(training.url, client)[1]
    token = CSRF_FIELD.search(html).group(1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"/anggota/pelatihan/{training.pk}/daftar/", {"csrfmiddlewaretoken": token})


def test_two_members_and_a_visitor_interleaved_each_see_their_own_state(page_cache, make_training, make_active_member):
    training = make_training(capacity=20)
    nuraini = logged_in(make_active_member(full_name=PEOPLE[0].full_name))
    jumat = logged_in(make_active_member(full_name=PEOPLE[1].full_name))

    response, html = visit(training.url)
    assert cache_state(response) == "miss" and "Sisa kursi: 20" in html and "csrfmiddlewaretoken" not in html

    response, html = visit(training.url, nuraini)
    assert cache_state(response) == "member-hit"
    assert "Daftar sekarang" in html and "Akun saya" in html and "Masuk untuk mendaftar" not in html
    assert enroll_through_the_page(nuraini, training).status_code == 302

    # Her next page shows what she was told, and her seat, drawn into the stored page ...
    response, html = visit(training.url, nuraini)
    assert cache_state(response) == "member-hit" and "Kursi Anda sudah terkonfirmasi" in html
    assert "Anda terdaftar sebagai peserta pelatihan ini." in html and "Sisa kursi: 19" in html
    # ... once.
    response, html = visit(training.url, nuraini)
    assert cache_state(response) == "member-hit" and "Kursi Anda sudah terkonfirmasi" not in html
    assert "Anda terdaftar sebagai peserta pelatihan ini." in html

    # He sees the seat gone at once (his panel is drawn from the database), and his own button.
    response, html = visit(training.url, jumat)
    assert cache_state(response) == "member-hit"
    assert "Sisa kursi: 19" in html and "Daftar sekarang" in html and "Anda terdaftar" not in html
    assert PEOPLE[0].full_name not in html and "Nur&#x27;aini" not in html
    his_token = CSRF_FIELD.search(html).group(1)
    her_token = CSRF_FIELD.search(visit(training.url, nuraini)[1])
    assert her_token is None  # she is enrolled: her panel offers no enroll form

    # The visitor: the stored copy went stale with the seat, rebuilt without anyone's state.
    response, html = visit(training.url)
    assert cache_state(response) == "miss" and "Sisa kursi: 19" in html
    assert "Akun saya" not in html and "Masuk untuk mendaftar" in html and "csrfmiddlewaretoken" not in html
    assert his_token not in html

    assert enroll_through_the_page(jumat, training).status_code == 302
    visit(training.url, jumat)  # his message
    response, html = visit(training.url, jumat)
    assert cache_state(response) == "member-hit" and "Sisa kursi: 18" in html


def test_a_members_form_token_is_theirs_and_works_a_borrowed_one_does_not(
    page_cache, make_training, make_active_member
):
    training = make_training(capacity=5)
    visit(training.url)
    nuraini = logged_in(make_active_member(full_name=PEOPLE[0].full_name))
    jumat = logged_in(make_active_member(full_name=PEOPLE[1].full_name))
    her_html = visit(training.url, nuraini)[1]
    his_html = visit(training.url, jumat)[1]
    her_token, his_token = CSRF_FIELD.search(her_html).group(1), CSRF_FIELD.search(his_html).group(1)
    assert her_token != his_token
    # His token with her cookie is refused (a token is never shared between visitors) ...
    refused = nuraini.post(f"/anggota/pelatihan/{training.pk}/daftar/", {"csrfmiddlewaretoken": his_token})
    assert refused.status_code == 403
    # ... her own is accepted.
    accepted = nuraini.post(f"/anggota/pelatihan/{training.pk}/daftar/", {"csrfmiddlewaretoken": her_token})
    assert accepted.status_code == 302


def test_every_stored_page_drawn_for_a_member_equals_the_page_the_whole_stack_draws(
    page_cache, settings, demo_site, make_training, make_active_member
):
    """Crawl every page that may be stored: nothing outside the fragments differs per visitor."""
    from wagtail.models import Page

    training = make_training(capacity=3)
    member = make_active_member(full_name=PEOPLE[0].full_name)
    client = logged_in(member)
    urls = [page.url for page in Page.objects.live().specific() if getattr(page, "cache_anonymous", False)]
    urls += [training.calendar_url, "/berita/feed/", NEWS + "?kategori=umkm"]
    assert {HOME, NEWS, ARTICLE, PROGRAMS, PROGRAM, training.url} <= set(urls)
    for url in urls:
        stored = visit(url)[0]
        assert cache_state(stored) == "miss", url
        from_cache = client.get(url)
        assert cache_state(from_cache) == "member-hit", url
        settings.PAGE_CACHE_SECONDS = 0
        whole_stack = client.get(url)
        settings.PAGE_CACHE_SECONDS = 300
        assert cache_state(whole_stack) is None
        mine, theirs = (
            DTSTAMP.sub("DTSTAMP", CSRF_FIELD.sub("TOKEN", r.content.decode())) for r in (from_cache, whole_stack)
        )
        assert mine == theirs, url
        assert from_cache["Content-Type"] == whole_stack["Content-Type"]
        assert "private" in from_cache["Cache-Control"] and "Content-Encoding" not in from_cache


def test_a_member_hit_costs_no_query_once_session_and_user_are_cached(page_cache, demo_site, make_active_member):
    client = logged_in(make_active_member())
    visit(ARTICLE)
    client.get(HOME)  # the first page of the session asks whether the user is staff, once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ARTICLE)
    assert cache_state(response) == "member-hit" and "Akun saya" in response.content.decode()
    # The session (core/sessions.py) and its user (members/backends.py) come from the cache.
    assert len(queries) == 0, [query["sql"] for query in queries.captured_queries]


def test_staff_get_the_whole_stack_with_their_userbar(page_cache, demo_site, roles):
    visit(HOME)
    for user in (roles.editor, roles.coordinator):
        staff = Client()
        staff.force_login(user)
        for _ in range(2):
            response = staff.get(HOME)
            assert cache_state(response) is None and "wagtail-userbar" in response.content.decode()
    member = Client()
    member.force_login(roles.member)
    response = member.get(HOME)
    assert cache_state(response) == "member-hit" and "wagtail-userbar" not in response.content.decode()


def test_a_message_is_shown_once_to_its_member_and_never_to_anyone_else(
    page_cache, demo_site, make_training, make_active_member
):
    training = make_training(capacity=2)
    nuraini = logged_in(make_active_member(full_name=PEOPLE[0].full_name))
    jumat = logged_in(make_active_member(full_name=PEOPLE[1].full_name))
    assert enroll_through_the_page(nuraini, training).status_code == 302
    told = "Kursi Anda sudah terkonfirmasi"
    for client, expected in ((jumat, False), (Client(), False), (nuraini, True), (nuraini, False)):
        html = visit(training.url, client)[1]
        assert (told in html) is expected


def test_a_members_miss_stores_the_visitors_page_never_the_members(page_cache, make_training, make_active_member):
    training = make_training(capacity=4)
    member = make_active_member(full_name=PEOPLE[1].full_name)
    from members import enrollment

    enrollment.enroll(member=member, training=training)
    client = logged_in(member)
    for url, mine, visitors in (
        (HOME, "Akun saya", "Daftar sebagai anggota"),
        (training.url, "Anda terdaftar sebagai peserta pelatihan ini.", "Masuk untuk mendaftar"),
    ):
        response, html = visit(url, client)
        assert cache_state(response) == "member-miss" and mine in html and visitors not in html, url
        response, html = visit(url)
        assert cache_state(response) == "hit" and visitors in html, url
        assert mine not in html and "Akun saya" not in html and "csrfmiddlewaretoken" not in html, url
        assert cache_state(visit(url, client)[0]) == "member-hit"
    client.logout()
    response, html = visit(HOME, client)
    assert "Daftar sebagai anggota" in html and "Akun saya" not in html


def test_a_page_for_members_only_is_served_to_them_and_never_stored(page_cache, demo_site, make_active_member):
    from wagtail.models import Page, PageViewRestriction

    article = Page.objects.get(url_path__endswith="/rapat-koordinasi-umkm-agenda-prioritas/")
    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    client = logged_in(make_active_member())
    for _ in range(2):
        response = client.get(ARTICLE)
        assert response.status_code == 200 and cache_state(response) is None
        assert "Rapat Koordinasi" in response.content.decode()
    response = Client().get(ARTICLE)
    assert response.status_code == 302 and "next=" in response["Location"]


def test_head_requests_of_members_get_headers_only(page_cache, demo_site, make_active_member):
    client = logged_in(make_active_member())
    visit(PROGRAMS)
    response = client.head(PROGRAMS)
    assert cache_state(response) == "member-hit" and response.content == b""
    assert int(response["Content-Length"]) > 1000


@pytest.mark.parametrize("url", ["/akun/login/", HOME, "/cari/?q=umkm"])
def test_pages_that_are_not_stored_keep_their_length_and_show_no_fragment_marks(page_cache, demo_site, url):
    """A browser reads exactly Content-Length bytes: a page with marks cut out must say its new length."""
    response = Client().get(url)
    body = response.content
    assert response.status_code == 200 and b"<!--" not in body.split(b"<body", 1)[1]
    if response.has_header("Content-Length") and not response.has_header("Content-Encoding"):
        assert int(response["Content-Length"]) == len(body)


# -- kept panels: a member's enrollment panel drawn once and kept for them --------------------


class KeptDrawings:
    """What the page cache keeps for members, read back from the cache: key -> the drawings' HTML."""

    def __init__(self):
        self.keys = []

    def clear(self):
        self.keys.clear()

    def stored(self) -> dict[str, str]:
        found = {key: cache.get(key) for key in dict.fromkeys(self.keys)}
        # (format, generations, user id, session's password hash, {index: (name, args, html)})
        return {key: "".join(html for _name, _args, html in value[4].values()) for key, value in found.items() if value}


@pytest.fixture
def kept_drawings(monkeypatch):
    from core import pagecache

    kept, keep = KeptDrawings(), pagecache._keep_for_visitor

    def recording(key, *args, **kwargs):
        kept.keys.append(key)
        return keep(key, *args, **kwargs)

    monkeypatch.setattr(pagecache, "_keep_for_visitor", recording)
    return kept


def test_a_members_panel_is_kept_for_them_and_costs_no_query_on_their_next_visit(
    either_cache, kept_drawings, make_training, make_active_member
):
    training = make_training(capacity=20)
    visit(training.url)
    client = logged_in(make_active_member(full_name=PEOPLE[0].full_name))
    visit(HOME, client)  # the first page of the session asks once whether the user is staff
    kept_drawings.clear()
    first = visit(training.url, client)[1]
    assert "Daftar sekarang" in first and len(kept_drawings.stored()) == 1
    with CaptureQueriesContext(connection) as queries:
        response, again = visit(training.url, client)
    assert cache_state(response) == "member-hit" and "Daftar sekarang" in again and "Sisa kursi: 20" in again
    assert len(queries) == 0, [query["sql"] for query in queries.captured_queries]


def test_a_kept_panel_holds_no_csrf_token_and_every_answer_carries_a_fresh_working_one(
    either_cache, kept_drawings, make_training, make_active_member
):
    from core.pagecache import CSRF_PLACEHOLDER

    training = make_training(capacity=5)
    visit(training.url)
    client = logged_in(make_active_member(full_name=PEOPLE[2].full_name))
    tokens = [CSRF_FIELD.search(visit(training.url, client)[1]).group(1) for _ in range(2)]
    assert tokens[0] != tokens[1] and CSRF_PLACEHOLDER not in tokens
    (drawing,) = kept_drawings.stored().values()
    assert CSRF_PLACEHOLDER in drawing and not any(token in drawing for token in tokens)
    # The older of the two works: both are masks of the member's own secret.
    response = client.post(f"/anggota/pelatihan/{training.pk}/daftar/", {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302


def test_a_kept_panel_shows_seats_taken_by_others_at_once(either_cache, make_training, make_active_member):
    training = make_training(capacity=20)
    visit(training.url)
    nuraini = logged_in(make_active_member(full_name=PEOPLE[0].full_name))
    jumat = logged_in(make_active_member(full_name=PEOPLE[1].full_name))
    assert "Sisa kursi: 20" in visit(training.url, jumat)[1]
    assert enroll_through_the_page(nuraini, training).status_code == 302
    html = visit(training.url, jumat)[1]
    assert "Sisa kursi: 19" in html and "Daftar sekarang" in html


def test_a_kept_panel_follows_a_change_to_the_member_at_once_on_each_of_their_devices(
    either_cache, make_training, make_active_member
):
    """Suspended by the secretariat, then verified again: the member's next page says so, on
    the phone and on the laptop where each kept its own panel."""
    from members.models import Member

    training = make_training(capacity=20)
    visit(training.url)
    member = make_active_member(full_name=PEOPLE[3].full_name)
    phone, laptop = logged_in(member), logged_in(member)
    for client in (phone, laptop):
        assert "Daftar sekarang" in visit(training.url, client)[1]
        assert "Daftar sekarang" in visit(training.url, client)[1]
    member.status = Member.Status.SUSPENDED
    member.save()
    for client in (phone, laptop):
        html = visit(training.url, client)[1]
        assert "Keanggotaan Anda ditangguhkan" in html and "Daftar sekarang" not in html
    member.status = Member.Status.ACTIVE
    member.save()
    for client in (laptop, phone):
        assert "Daftar sekarang" in visit(training.url, client)[1]


def test_a_panel_drawn_while_the_member_changes_is_not_kept(
    either_cache, monkeypatch, make_training, make_active_member
):
    """The secretariat suspends her while her page is being drawn from her old row: that page may
    show the old state once, never again after it."""
    from core import pagecache
    from members.models import Member
    from programs import panels

    training = make_training(capacity=20)
    visit(training.url)
    member = make_active_member(full_name=PEOPLE[0].full_name)
    client = logged_in(member)
    visit(HOME, client)
    draw = pagecache._fragment_renderers[panels.FRAGMENT]

    def drawn_then_suspended(request, **args):
        html = draw(request, **args)
        Member.objects.filter(pk=member.pk).update(status=Member.Status.SUSPENDED)
        Member.objects.get(pk=member.pk).save()  # what the admin's save does: the member changed
        return html

    monkeypatch.setitem(pagecache._fragment_renderers, panels.FRAGMENT, drawn_then_suspended)
    assert "Daftar sekarang" in visit(training.url, client)[1]
    monkeypatch.setitem(pagecache._fragment_renderers, panels.FRAGMENT, draw)
    html = visit(training.url, client)[1]
    assert "Keanggotaan Anda ditangguhkan" in html and "Daftar sekarang" not in html


def test_a_members_hit_on_redis_is_one_round_trip(either_cache, monkeypatch, make_training, make_active_member):
    """Session, page and the member's kept panel come in one read: a member's page costs what an
    anonymous visitor's does in waiting on Redis."""
    import redis.connection

    if either_cache != "redis":
        pytest.skip("round trips to Redis")
    training = make_training(capacity=20)
    visit(training.url)
    client = logged_in(make_active_member(full_name=PEOPLE[1].full_name))
    for _ in range(2):
        visit(training.url, client)
    sent, original = [], redis.connection.Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)
    with CaptureQueriesContext(connection) as queries:
        response, html = visit(training.url, client)
    assert cache_state(response) == "member-hit" and "Daftar sekarang" in html and "Akun saya" in html
    assert len(sent) == 1 and len(queries) == 0


def test_a_kept_panel_ends_when_enrollment_closes(page_cache, make_training, make_active_member):
    import time
    from datetime import timedelta

    from django.utils import timezone

    training = make_training(capacity=20, enrollment_closes_at=timezone.now() + timedelta(seconds=3))
    visit(training.url)
    client = logged_in(make_active_member(full_name=PEOPLE[1].full_name))
    assert "Daftar sekarang" in visit(training.url, client)[1]
    time.sleep(max(0, (training.enrollment_closes_at - timezone.now()).total_seconds()) + 1.1)
    html = visit(training.url, client)[1]
    assert "Daftar sekarang" not in html and "Pendaftaran ditutup" in html


def test_a_session_ended_by_a_password_change_elsewhere_never_sees_the_members_kept_panel(
    either_cache, make_training, make_active_member
):
    """Her phone changes the password (and stays logged in); the old session on a lost phone
    must show a visitor's page, though her phone has drawn and kept her panel again since."""
    training = make_training(capacity=20)
    visit(training.url)
    member = make_active_member(full_name=PEOPLE[0].full_name)
    member.user.set_password("Lama-Nur'aini-2024")
    member.user.save()
    her_phone, lost_phone = Client(), Client()
    for client in (her_phone, lost_phone):
        assert client.login(email=member.user.email, password="Lama-Nur'aini-2024")
        assert "Daftar sekarang" in visit(training.url, client)[1]
    new = "Baru-Nur'aini-&-2025"
    changed = her_phone.post(
        "/akun/password/change/", {"oldpassword": "Lama-Nur'aini-2024", "password1": new, "password2": new}
    )
    assert changed.status_code == 302
    html = visit(training.url, her_phone)[1]
    assert "Daftar sekarang" in html and "Akun saya" in html
    html = visit(training.url, lost_phone)[1]
    assert "Daftar sekarang" not in html and "Akun saya" not in html and "Masuk untuk mendaftar" in html
    assert "Akun saya" in visit(training.url, her_phone)[1]  # hers is still kept and hers
