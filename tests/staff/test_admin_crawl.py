"""Every admin URL the project registers, visited as each role (issue 13, findings 3 and 16).

The URLs come from the URL resolver (Wagtail's patterns and the project's, under /admin/),
never from a hand-written list: a view added later is crawled without touching this file.
Path parameters are filled from real objects (a member, an enrollment, a training page, an
outbox row, ...), bulk actions get ``?id=`` query strings, listings and choosers a search
and an export. Then, per role:

- a plain member gets no admin page at all (a redirect to the log-in, or a refusal);
- an Editor's answers hold no member's name, email or phone, in any escaping;
- a sub-branch (PAC) coordinator of Talawi sees no member or participant of another district
  (nor one without a district): the crawl fills its URLs with their rows too (issue 19);
- no answer holds a secret (the members' calendar tokens; see ``SECRETS``);
- nobody, the superuser included, gets a 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.html import escape
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.viewsets import viewsets
from wagtail.models import Collection, Page, get_page_models

from core.models import District
from members import accounts, enrollment, imports
from members.models import CoordinatorScope, Enrollment, ImportJob, Member, WaitlistOffer
from programs.models import TrainingPage
from tasks import outbox
from tasks.models import Notification
from tests.people import DEWI, FAUZI, JUMAT, KHADIJAH, NURAINI, PEOPLE

pytestmark = pytest.mark.django_db

# Views that are not pages to check: Wagtail's deliberate error (it raises on purpose, to test
# error reporting) and the catch-all 404 pattern, which has no name to reverse.
SKIPPED_NAMES = {"wagtailadmin_error_test"}
SEARCH_TERM = "Siregar"  # Nur'aini Siregar's family name: what someone looking for her types


# -- the world the crawl looks at ---------------------------------------------------------------


@dataclass
class World:
    roles: object
    members: list[Member]
    training: TrainingPage
    enrollments: list[Enrollment]
    samples: dict[type, object] = field(default_factory=dict)  # one real object per model
    without_login: Member | None = None  # a phone-only import, for the "add email" page
    pac_coordinator: object = None  # a Koordinator scoped to Talawi (Nur'aini's district)


def build_world(roles, make_person, make_training) -> World:
    members = [Member.objects.get(user=roles.member)]
    members += [make_person(person) for person in (JUMAT, KHADIJAH, FAUZI)]
    members.append(make_person(DEWI, status=Member.Status.PENDING))
    # The audit log and the outbox then name people too, as they do in real use.
    accounts.member_verify(member=members[-1], by=roles.coordinator)
    training = make_training(title="Pelatihan Kopi & Kue", capacity=2)
    enrollments = [enrollment.enroll(member=member, training=training) for member in members[:3]]
    # A seat offered from a waiting list: its answer links are credentials too (sealed in the outbox).
    offering = make_training(title="Pelatihan Abon Ikan", capacity=1, waitlist_offer_hours=24)
    seat = enrollment.enroll(member=members[2], training=offering)
    for waiting in (members[3], members[0]):
        enrollment.enroll(member=waiting, training=offering)
    enrollment.cancel(enrollment=seat)  # the seat is offered to Fauzi
    # Credentials in the outbox, as the attack had them: a reset link for the superuser (as
    # allauth's adapter records it: tests/tasks/test_outbox_secrets.py asks for it over HTTP)
    # and an import invitation, both sealed; the crawl checks that no role reads their keys.
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    key = f"{user_pk_to_url_str(roles.superuser)}-{default_token_generator.make_token(roles.superuser)}"
    outbox.notify_rendered(
        kind="account_password_reset_key",
        recipient=roles.superuser.email,
        subject="Atur ulang kata sandi",
        body_text=f"http://testserver/akun/password/reset/key/{key}/",
        idempotency_key="crawl-reset",
        secret=True,
    )
    imports.invite(user=roles.editor, full_name="Redaksi Ma'had")
    # An import job whose report names people: Nur'aini (already a member) and a member without a login.
    from django.core.files.uploadedfile import SimpleUploadedFile

    sheet = f"nama;email;telepon\n{NURAINI.full_name};{NURAINI.email};\nAmir Ma'had Al-Ma'arif;;0812-7000-1111\n"
    job = imports.import_job_create(upload=SimpleUploadedFile("anggota.csv", sheet.encode()), dry_run=False, by=None)
    imports.import_job_run(job_id=job.pk)
    without_login = Member.objects.get(user__isnull=True, full_name="Amir Ma'had Al-Ma'arif")
    world = World(roles=roles, members=members, training=training, enrollments=enrollments)
    notification = Notification.objects.filter(recipient=NURAINI.email).order_by("pk").first()
    world.samples = {
        Member: members[0],
        Enrollment: enrollments[0],
        Notification: notification,
        TrainingPage: training,
        Page: training,
        type(roles.member): roles.member,
        Group: Group.objects.get(name="Koordinator"),
        Collection: Collection.get_first_root_node(),
        ImportJob: job,
        WaitlistOffer: WaitlistOffer.objects.get(status="open"),
    }
    world.without_login = without_login
    # Nur'aini's NIK (members.nik): only a holder of view_member_nik (here the superuser) reads it whole.
    accounts.member_update_profile(member=members[0], privacy_agreed=True, nik=CRAWL_NIK, nik_consent=True)
    world.pac_coordinator = roles_pac_coordinator(roles)
    world.samples[CoordinatorScope] = world.pac_coordinator.district_scope
    return world


PAC_DISTRICT = "talawi"
CRAWL_NIK = "1219055708960001"  # Nur'aini's: a woman (17 + 40) born 17 August 1996 in Batu Bara


def roles_pac_coordinator(roles):
    """A coordinator of the sub-branch (PAC) of Talawi: in the Koordinator group, scoped to one district."""
    from allauth.account.models import EmailAddress

    from tests.people import PASSWORD

    user = type(roles.coordinator).objects.create_user(email="pac.talawi@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.groups.add(Group.objects.get(name="Koordinator"))
    CoordinatorScope.objects.create(user=user).districts.set([District.objects.get(slug=PAC_DISTRICT)])
    return user


def out_of_scope_world(world: World) -> World:
    """The same world with its sample rows taken from another district: Jum'at (Tanjung Tiram) and his enrollment."""
    jumat = next(member for member in world.members if member.full_name == JUMAT.full_name)
    enrollments = [e for e in world.enrollments if e.member_id == jumat.pk]
    return replace(world, samples={**world.samples, Member: jumat, Enrollment: enrollments[0]}, enrollments=enrollments)


def sample_pk(world: World, model) -> object:
    """A real object's pk for a model (the crawl's own sample, else any row, else a missing one)."""
    if isinstance(model, str):
        model = apps.get_model(model)
    obj = world.samples.get(model)
    if obj is None and model is not None:
        obj = model._default_manager.order_by("pk").first()
    return obj.pk if obj is not None else 999_999


# -- what each role must never see ------------------------------------------------------------


def forms_of(text: str) -> set[str]:
    """A string as it may appear in an answer: raw, HTML-escaped (both styles), inside JSON."""
    return {text, escape(text), escape(text).replace("&#x27;", "&#39;"), json.dumps(text)[1:-1]}


def personal_data(world: World) -> Iterable[str]:
    for person in PEOPLE:
        for text in (person.full_name, person.email, person.phone, person.phone_e164):
            yield from forms_of(text)


def other_districts(world: World) -> Iterable[str]:
    """Everyone a coordinator of Talawi must not see: the people of other districts, and the
    member imported without a district."""
    for person in PEOPLE:
        if person.district_slug != PAC_DISTRICT:
            for text in (person.full_name, person.email, person.phone, person.phone_e164):
                yield from forms_of(text)
    amir = world.without_login
    for text in (amir.full_name, amir.phone, accounts.phone_display(value=amir.phone)):
        yield from forms_of(text)


def whole_niks(world: World) -> Iterable[str]:
    yield CRAWL_NIK
    yield " ".join([CRAWL_NIK[:4], CRAWL_NIK[4:8], CRAWL_NIK[8:12], CRAWL_NIK[12:]])


def calendar_tokens(world: World) -> Iterable[str]:
    return Member.objects.values_list("calendar_token", flat=True)


def credential_links(world: World) -> Iterable[str]:
    """The keys of every reset, confirmation and invitation link the outbox holds (opened here)."""
    for row in Notification.objects.filter(secret=True):
        text = outbox.rendered(row).body_text
        yield from re.findall(r"/(?:akun/password/reset/key|akun/confirm-email|anggota/tawaran)/([^/\s?]+)", text)


# Forbidden strings per role: callables from the crawl's world to strings. Another secret that
# must never reach a role (e.g. password-reset keys taken from the outbox) is added here.
SECRETS: dict[str, list[Callable[[World], Iterable[str]]]] = {
    "member": [personal_data, calendar_tokens, credential_links, whole_niks],
    "editor": [personal_data, calendar_tokens, credential_links, whole_niks],
    "coordinator": [calendar_tokens, credential_links, whole_niks],
    "pac_coordinator": [other_districts, calendar_tokens, credential_links, whole_niks],
    "superuser": [calendar_tokens, credential_links],
}


# -- the URLs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced, for reverse()
    namespace: str
    params: tuple[str, ...]
    literal: str | None  # for a pattern without a name: its path, when it has no parameters


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []


def _routes(patterns, prefix: str, namespaces: list[str], params: list[str]) -> Iterator[Route]:
    for entry in patterns:
        pattern = entry.pattern
        text = pattern._route if isinstance(pattern, RoutePattern) else str(pattern)
        if isinstance(entry, URLResolver):
            inner = [*namespaces, entry.namespace] if entry.namespace else namespaces
            yield from _routes(entry.url_patterns, prefix + text, inner, params + _params(pattern))
        elif isinstance(entry, URLPattern):
            all_params = tuple(params + _params(pattern))
            name = ":".join([*namespaces, entry.name]) if entry.name else None
            plain = isinstance(pattern, RoutePattern) and not all_params and "^" not in prefix
            yield Route(name, ":".join(namespaces), all_params, "/" + prefix + text if plain else None)


def admin_routes() -> list[Route]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "admin/":
            return list(_routes(entry.url_patterns, "admin/", [], []))
    raise AssertionError("no /admin/ in the URL configuration")


def _namespace_models() -> dict[str, type]:
    found = {}
    for viewset in viewsets.viewsets:
        model = getattr(viewset, "model", None)
        # A viewset without a name (the page viewset) has no namespace of its own.
        if model is None or not getattr(viewset, "name", None):
            continue
        found[viewset.url_namespace] = apps.get_model(model) if isinstance(model, str) else model
    return found


def _model_pairs(route: Route, world: World) -> list[tuple[str, str]]:
    """The (app_label, model_name) values tried where a URL takes a model, by what the URL is about."""
    from wagtail.contrib.settings.registry import registry as settings_registry

    if (route.name or "").startswith("wagtailadmin_pages:"):
        candidates = get_page_models()
    elif (route.name or "").startswith("wagtailsettings:"):
        candidates = list(settings_registry)
    else:  # the models with people in them, and the others the crawl holds a row of
        candidates = list(world.samples)
    pairs = []
    for model in candidates:
        pair = (model._meta.app_label, model._meta.model_name)
        if pair not in pairs:
            pairs.append(pair)
    return pairs


# Parameters that name a page, and the like, filled from the world.
PAGE_PARAMS = {"page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk"}
MODEL_PAIRS = (
    ("app_label", "model_name"),
    ("content_type_app_name", "content_type_model_name"),
    ("app_name", "model_name"),
)


def _fill(route: Route, world: World, namespace_models: dict[str, type]) -> Iterator[tuple[dict, type | None]]:
    """Every set of path parameters worth trying for a route, with the model the URL is about."""
    params = set(route.params)
    pair_names = next((pair for pair in MODEL_PAIRS if set(pair) <= params), None)
    if route.name == "wagtail_bulk_action":
        bulk_action_registry.get_bulk_actions_for_model("", "")  # scans the registrations once
        choices = [
            ({"app_label": app, "model_name": model, "action": action}, apps.get_model(app, model))
            for app, by_model in bulk_action_registry.actions.items()
            for model, actions in by_model.items()
            for action in actions
        ]
    elif pair_names:
        choices = [
            ({pair_names[0]: app, pair_names[1]: model}, apps.get_model(app, model))
            for app, model in _model_pairs(route, world)
        ]
    else:
        model = namespace_models.get(route.namespace)
        if model is None and route.namespace.startswith("wagtailadmin_api:"):
            model = {"pages": Page, "images": "home.CustomImage", "documents": "wagtaildocs.Document"}.get(
                route.namespace.rsplit(":", 1)[-1]
            )
        if model is None and route.namespace == "wagtailadmin_collections":
            model = Collection
        choices = [({}, apps.get_model(model) if isinstance(model, str) else model)]
    training, enrollment_ = world.training, world.enrollments[0]
    for values, model in choices:
        values = dict(values)
        for name in route.params:
            if name in values:
                continue
            if name in PAGE_PARAMS:
                values[name] = training.pk
            elif name in {"revision_id", "revision_id_a", "revision_id_b"}:
                values[name] = training.latest_revision_id
            elif name in {"pk", "object_id"}:
                values[name] = sample_pk(world, model or Page)
            elif name in {"image_id"}:
                values[name] = sample_pk(world, "home.CustomImage")
            elif name in {"document_id", "doc_id"}:
                values[name] = sample_pk(world, "wagtaildocs.Document")
            elif name == "redirect_id":
                values[name] = sample_pk(world, "wagtailredirects.Redirect")
            elif name == "collection_id":
                values[name] = sample_pk(world, Collection)
            elif name == "training_id":
                values[name] = training.pk
            elif name == "session_id":
                values[name] = training.session_rows.get().pk
            elif name == "job_id":
                values[name] = sample_pk(world, ImportJob)
            elif name == "member_id":
                values[name] = world.without_login.pk
            elif name == "token":
                values[name] = enrollment_.token if route.name == "members_checkin" else "x-token"
            elif name == "filter_spec":
                values[name] = "fill-80x80"
            elif name == "action_name":
                values[name] = "approve" if "workflow" in (route.name or "") else "copy"
            elif name == "uidb64":
                values[name] = "MQ"
            else:  # ids of things the world has none of (workflow states, uploads, sessions)
                values[name] = 1
        yield values, model


def _exports(path: str) -> bool:
    view_class = getattr(resolve(path).func, "view_class", None)
    return isinstance(view_class, type) and issubclass(view_class, SpreadsheetExportMixin)


def _queries(route: Route, path: str, model, world: World) -> list[str]:
    queries = [""]
    last = (route.name or "").rsplit(":", 1)[-1]
    if route.name == "wagtail_bulk_action" or last == "chosen_multiple":
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:2]) if model else []
        if pks:
            queries.append(urlencode([("id", pk) for pk in pks]))
        if route.name == "wagtail_bulk_action":
            queries.append("id=all")
    if any(word in last for word in ("index", "list", "choose", "results", "search")):
        queries.append(urlencode({"q": SEARCH_TERM}))
    if _exports(path):
        queries += ["export=csv", "export=xlsx"]
    return queries


def admin_urls(world: World) -> list[str]:
    namespace_models = _namespace_models()
    urls = []
    for route in admin_routes():
        if route.name in SKIPPED_NAMES:
            continue
        if route.name is None:
            if route.literal:
                urls.append(route.literal)
            continue
        for values, model in _fill(route, world, namespace_models):
            path = reverse(route.name, kwargs=values)
            for query in _queries(route, path, model, world):
                url = f"{path}?{query}" if query else path
                if url not in urls:
                    urls.append(url)
    return urls


# -- the crawl --------------------------------------------------------------------------------


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def crawl(client, user, urls: list[str]) -> Iterator[tuple[str, int, str, object]]:
    from django.conf import settings

    for url in urls:
        try:
            response = client.get(url)
        except Exception as error:  # a view that crashes is what the superuser crawl looks for
            yield url, 500, f"{type(error).__name__}: {error}", None
            continue
        yield url, response.status_code, body_of(response), response
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie is None or not cookie.value:
            # Wagtail's log-out view deletes the session cookie even when it refuses a GET (405).
            assert "logout" in url, f"{url} dropped the session"
            client.force_login(user)


def refused(response) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    return response.status_code == 302 and "login" in response["Location"]


@pytest.fixture
def world(roles, make_person, make_training):
    return build_world(roles, make_person, make_training)


@pytest.mark.parametrize("role", ["member", "editor", "coordinator", "pac_coordinator", "superuser"])
def test_every_admin_url_as_each_role(client, world, role):
    if role == "pac_coordinator":
        user = world.pac_coordinator
        # Every URL with rows of Talawi, and again with rows of another district.
        urls = admin_urls(world)
        urls += [url for url in admin_urls(out_of_scope_world(world)) if url not in urls]
    else:
        user = getattr(world.roles, role)
        urls = admin_urls(world)
    assert len(urls) > 250  # the crawl really walked the resolver (numbers: see the report)
    forbidden = {text for source in SECRETS[role] for text in source(world) if text}
    anonymous = client.__class__()
    client.force_login(user)
    problems = []
    for url, status, body, response in crawl(client, user, urls):
        if status >= 500:
            problems.append(f"{url}: {status} {body[:200]}")
            continue
        # A member may fetch only what anyone may (the log-in form, icons, the translation catalogue).
        if role == "member" and not refused(response) and anonymous.get(url).status_code != status:
            problems.append(f"{url}: a member got {status}, not a refusal")
        leaked = sorted(text for text in forbidden if text in body)
        if leaked:
            problems.append(f"{url}: {status} shows {leaked[:3]}")
    assert client.session.get("_auth_user_id") == str(user.pk), "a GET logged the crawler out"
    assert not problems, f"{len(problems)} of {len(urls)} URLs:\n" + "\n".join(problems)


def test_the_crawl_knows_the_credentials_it_looks_for(world):
    # Without them the secrets check above could not fail: a reset key, an invitation key, an offer's token.
    links = set(credential_links(world))
    assert len(links) >= 3 and any(re.fullmatch(r"[0-9a-z]+-[0-9a-f]{40}", link) for link in links)


def test_the_crawl_covers_member_data_views(world):
    """The URLs of finding 3 are among those crawled, with real ids filled in."""
    urls = admin_urls(world)
    member, enrollment_ = world.members[0], world.enrollments[0]
    for expected in (
        "/admin/snippets/choose/members/member/",
        "/admin/snippets/choose/members/member/results/",
        f"/admin/snippets/choose/members/member/chosen/{member.pk}/",
        "/admin/snippets/choose/members/enrollment/",
        f"/admin/snippets/members/member/inspect/{member.pk}/",
        f"/admin/snippets/members/enrollment/inspect/{enrollment_.pk}/",
        f"/admin/checkin/{enrollment_.token}/",
        f"/admin/members/attendance/{world.training.pk}/",
        "/admin/members/import/jobs/",
        f"/admin/members/import/jobs/{world.samples[ImportJob].pk}/",
        f"/admin/members/import/jobs/{world.samples[ImportJob].pk}/report.csv",
        f"/admin/members/{world.without_login.pk}/email/",
    ):
        assert expected in urls, expected
    bulk = [url for url in urls if url.startswith("/admin/bulk/members/member/verify/?id=")]
    assert any(f"id={member.pk}" in url for url in bulk), bulk
