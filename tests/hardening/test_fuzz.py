"""Every public form and query parameter, fuzzed: never a 5xx, and bad input changes nothing.

The examples are derandomized (the "ci" profile in tests/conftest.py), so a run is
repeatable; inputs that once caused a 500 are pinned with ``@example``.
Requests go through Django's test client, which raises a view's exception instead of
answering 500: a failure shows the traceback.
"""

from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from django.core.cache import cache
from hypothesis import example, given, settings
from hypothesis import strategies as st

from members import accounts
from members.models import Member

from .strategies import NASTY, any_text, odd_number, odd_text, query

pytestmark = pytest.mark.django_db

NUL = "\x00"


def fresh():
    """Every example starts with allauth's rate limits unused (they live in the cache)."""
    cache.clear()


def assert_answered(response, what=""):
    assert response.status_code < 500, f"{what}: {response.status_code}"


def assert_refused_with_message(response, what=""):
    """A refused form: a 4xx, or the form shown again with an error a person can read."""
    if response.status_code == 200:
        html = response.content.decode()
        assert 'role="alert"' in html or "errorlist" in html, f"{what}: form shown again without an error"
    else:
        assert 400 <= response.status_code < 500, f"{what}: {response.status_code}"


@pytest.fixture
def training(make_training):
    return make_training(capacity=5)


# -- public pages and their query strings -------------------------------------------------------


@given(params=query("q", "page"))
@example(params={"q": NUL, "page": NUL})
@example(params={"q": "' OR 1=1 --", "page": "99999999999999999999999"})
@example(params={"q": '"unclosed AND (', "page": "-1"})
def test_search(client, demo_site, params):
    response = client.get("/cari/", params)
    assert_answered(response, repr(params))
    assert response.status_code == 200


@given(params=query("kategori", "tag", "tahun", "page"))
@example(params={"kategori": NUL})
@example(params={"tag": "a\x00b"})
@example(params={"tahun": "99999999999999999999", "page": "1e309"})
@example(params={"tahun": "²"})
@example(params={"kategori": "kaderisasi", "tag": "x" * 5000, "page": NUL})
def test_news_index(client, demo_site, params):
    response = client.get("/berita/", params)
    assert_answered(response, repr(params))
    assert response.status_code == 200


@given(params=query("kategori", "page"), slug=st.from_regex(r"\A[-a-zA-Z0-9_]{1,300}\Z"))
def test_news_feeds(client, demo_site, params, slug):
    assert_answered(client.get("/berita/feed/", params))
    assert_answered(client.get(f"/berita/feed/{slug}/", params))


@settings(max_examples=10)  # six pages per example, none of which reads these parameters
@given(params=query("page", "p", "next", "format"))
def test_program_and_training_pages(client, training, params):
    for path in [
        "/",
        "/program/",
        training.get_parent().url,
        training.url,
        training.calendar_url,
        "/program/kalender.ics",
    ]:
        assert_answered(client.get(path, params), path)


@given(segment=st.one_of(st.sampled_from(NASTY), any_text).filter(bool))
@example(segment=NUL)
@example(segment="kalender.ics/..%2F..%2F")
def test_unknown_paths_under_pages(client, training, segment):
    for base in ["/berita/", "/program/", training.url]:
        response = client.get(base + quote(segment, safe="") + "/")
        assert_answered(response, base)


@given(params=query("p", "section"))
@example(params={"p": "99999999999999999999"})
@example(params={"p": NUL})
def test_sitemap_robots_and_health(client, demo_site, params):
    for path in ["/sitemap.xml", "/robots.txt", "/healthz/", "/privasi/"]:
        assert_answered(client.get(path, params), path)
    assert client.post("/healthz/", params).status_code == 405


@given(document_id=odd_number, filename=st.one_of(st.sampled_from(NASTY), any_text).filter(bool))
@example(document_id="99999999999999999999999", filename="surat.pdf")
def test_document_links(client, demo_site, document_id, filename):
    response = client.get(f"/dokumen/{quote(document_id, safe='')}/{quote(filename, safe='')}")
    assert_answered(response, f"{document_id!r} {filename!r}")


# -- accounts (allauth) ---------------------------------------------------------------------------


emails = st.one_of(st.emails(), odd_text)


@given(email=emails, password=odd_text)
@example(email="kader@example.org\x00", password="x")
@example(email="a" * 5000 + "@example.org", password="\x00")
def test_login(client, demo_site, email, password):
    fresh()
    response = client.post("/akun/login/", {"login": email, "password": password})
    assert_answered(response)
    assert_refused_with_message(response, repr(email))
    assert "_auth_user_id" not in client.session


@given(email=emails, full_name=odd_text, password1=odd_text, password2=odd_text, privacy=st.sampled_from(["on", ""]))
@example(
    email="baru@example.org",
    full_name="Nama\x00Baru",
    password1="Kader-Ansor-2024!",
    password2="Kader-Ansor-2024!",
    privacy="on",
)
def test_signup(client, demo_site, django_user_model, email, full_name, password1, password2, privacy):
    fresh()
    users_before = django_user_model.objects.count()
    data = {"email": email, "full_name": full_name, "password1": password1, "password2": password2}
    if privacy:
        data["privacy_agreed"] = privacy
    response = client.post("/akun/signup/", data)
    assert_answered(response)
    if response.status_code == 302:
        # Accepted: the account and its pending profile exist together.
        user = django_user_model.objects.get(email__iexact=email.strip())
        assert Member.objects.get(user=user).status == Member.Status.PENDING
    else:
        assert_refused_with_message(response, repr(data))
        assert django_user_model.objects.count() == users_before, "a refused sign-up created an account"


@given(email=emails)
@example(email="\x00")
@example(email="siti@example.org'--")
def test_password_reset(client, demo_site, email):
    fresh()
    response = client.post("/akun/password/reset/", {"email": email})
    assert_answered(response)
    if response.status_code != 302:
        assert_refused_with_message(response, repr(email))


@given(language=odd_text, next_url=odd_text)
@example(language="en", next_url="https://evil.example/")
@example(language="\x00", next_url="\x00")
@example(language="x" * 1000, next_url="//evil.example")
def test_language_switch(client, demo_site, language, next_url):
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert_answered(response)
    location = response.headers.get("Location", "")
    assert not location.startswith(("//", "http:", "https:")), "the switch redirects off the site"
    # And a visit with whatever cookie that left answers too.
    assert_answered(client.get("/"))


class LanguageSwitches(HTMLParser):
    """The footer's language switch as the page offers it: GET links (hreflang) or a POST form."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.form_action = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("hreflang") and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "form" and "language-switcher" in (attributes.get("class") or ""):
            self.form_action = attributes.get("action") or ""


@pytest.fixture
def language_switches(client, demo_site):
    parser = LanguageSwitches()
    parser.feed(client.get("/").content.decode())
    assert parser.links or parser.form_action, "the footer has no language switch"
    return parser


@given(next_url=odd_text)
@example(next_url="https://evil.example/")
@example(next_url="/\\evil.example")
@example(next_url="/berita/\r\nSet-Cookie: x=1")
def test_footer_language_switch(client, language_switches, next_url):
    """Whatever the footer's switch is (links or a form), an odd ``next`` never breaks it or leaves the site."""
    responses = [client.get(urlsplit(link).path, {"next": next_url}) for link in language_switches.links]
    if language_switches.form_action:
        responses += [client.post(language_switches.form_action, {"language": "en", "next": next_url})]
    for response in responses:
        assert_answered(response)
        location = response.headers.get("Location", "")
        assert not location.startswith(("//", "/\\", "http:", "https:")), location


# A cookie travels in a header: printable ASCII (the test client refuses anything else).
cookie_text = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters=";"), max_size=600),
    st.sampled_from(["en", "id", "EN", "en-us", "zh-hant", "x" * 600, "", "..", "en;q=0.5"]),
)


@settings(max_examples=20)  # a home page per example
@given(cookie=cookie_text)
def test_language_cookie(client, demo_site, cookie):
    client.cookies["django_language"] = cookie
    response = client.get("/")
    assert_answered(response)
    assert response["Content-Language"] in {"id", "en"}


# -- the member area ------------------------------------------------------------------------------


@pytest.fixture
def member(make_active_member):
    return make_active_member()


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


def profile_fields(member) -> dict:
    member.refresh_from_db()
    names = [*accounts.MEMBER_DETAILS, "privacy_agreed_at", "status"]
    # serializable_value: the district's id, not a query for the District.
    return {name: member.serializable_value(name) for name in names}


def valid_or(valid, odd=odd_text):
    return st.one_of(st.just(valid), odd)


@st.composite
def profile_posts(draw):
    from core.models import District

    district_ids = list(District.objects.values_list("pk", flat=True))
    return {
        "full_name": draw(valid_or("Siti Aminah")),
        "phone": draw(valid_or("0812-3456-7890", st.one_of(odd_text, st.from_regex(r"\A\+?[0-9 ()\-]{0,30}\Z")))),
        "gender": draw(valid_or("female", st.one_of(odd_text, st.sampled_from(["male", "other", ""])))),
        "birth_date": draw(
            valid_or(
                "1995-04-17", st.one_of(odd_text, st.dates().map(str), st.just("1995-02-29"), st.just("17/04/1995"))
            )
        ),
        "district": draw(valid_or(str(district_ids[0]), st.one_of(odd_number, st.sampled_from(district_ids).map(str)))),
        "village": draw(valid_or("Labuhan Ruku")),
        "cadre_level": draw(valid_or("pkd", st.one_of(odd_text, st.sampled_from(["none", "pkl", "PKN"])))),
        "member_number": draw(valid_or("")),
        "occupation": draw(valid_or("Pedagang")),
        "business_name": draw(valid_or("")),
        "business_sector": draw(valid_or("")),
        "business_description": draw(valid_or("", st.one_of(odd_text, st.just("x" * 501)))),
        "announcements_opt_in": draw(st.sampled_from(["", "on", "\x00", "false"])),
        "privacy_agreed": draw(st.sampled_from(["on", "", "\x00"])),
    }


@given(data=profile_posts())
@example(
    data={
        "full_name": "Siti\x00Aminah",
        "phone": "0812-3456-7890",
        "gender": "female",
        "birth_date": "1995-04-17",
        "district": "99999999999999999999999",
        "village": "Labuhan\x00Ruku",
        "cadre_level": "pkd",
        "privacy_agreed": "on",
    }
)
def test_profile(member_client, member, data):
    before = profile_fields(member)
    response = member_client.post("/anggota/profil/", {key: value for key, value in data.items() if value != ""})
    assert_answered(response, repr(data))
    after = profile_fields(member)
    if response.status_code == 302:
        # Accepted: what is stored passed the same rules the form states.
        assert after["phone"] == "" or after["phone"].startswith("+")
        assert NUL not in "".join(str(value) for value in after.values())
    else:
        assert_refused_with_message(response, repr(data))
        assert after == before, "a refused profile form changed the profile"


@given(training_id=st.one_of(st.integers(min_value=0, max_value=2**80).map(str), st.sampled_from(NASTY)))
@example(training_id="99999999999999999999")
@example(training_id="9223372036854775808")
def test_enroll_and_cancel_with_odd_ids(member_client, training, training_id):
    for action in ("daftar", "batal"):
        path = f"/anggota/pelatihan/{quote(training_id, safe='')}/{action}/"
        response = member_client.post(path, {"next": training_id})
        assert_answered(response, path)
        assert response.status_code in {302, 404, 405}, path


@settings(max_examples=8)  # each example enrolls and cancels for real (emails included): slow
@given(next_url=odd_text)
def test_enroll_and_cancel_odd_next(member_client, training, next_url):
    from members.models import Enrollment

    # Each example is a fresh start for the enrollment throttle (tests/enrollment/test_throttle.py).
    cache.clear()
    response = member_client.post(f"/anggota/pelatihan/{training.pk}/daftar/", {"next": next_url})
    assert response.status_code == 302
    response = member_client.post(f"/anggota/pelatihan/{training.pk}/batal/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] in {"/anggota/", training.url}
    assert not Enrollment.objects.filter(training=training, status__in=Enrollment.ACTIVE_STATUSES).exists()


@given(token=st.one_of(st.sampled_from(NASTY), any_text, st.from_regex(r"\A[A-Za-z0-9_\-]{1,400}\Z")).filter(bool))
@example(token=NUL)
@example(token="abc\x00def")
@example(token="' OR '1'='1")
def test_private_calendar_with_odd_tokens(client, member, token):
    response = client.get(f"/anggota/kalender/{quote(token, safe='')}.ics")
    assert_answered(response, repr(token))
    assert response.status_code == 404


def test_private_calendar_with_the_right_token_answers(client, member):
    response = client.get(f"/anggota/kalender/{member.calendar_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")


@given(password=odd_text)
def test_delete_account_with_wrong_passwords(member_client, member, password):
    response = member_client.post("/anggota/hapus/", {"password": password})
    assert_answered(response)
    assert_refused_with_message(response)
    assert Member.objects.get(pk=member.pk).user_id is not None
