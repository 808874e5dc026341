"""Announcements of a new program or training to the members who opted in.

Each carries the recipient's own one-click unsubscribe (RFC 8058: ``List-Unsubscribe`` with
an address under SITE_URL, ``List-Unsubscribe-Post``) and a ``List-Id``, in headers sealed on
its row; the body, the same for everyone, links to the preferences page ``/anggota/kabar/``.
They go out from ANNOUNCEMENT_FROM_EMAIL (settings.OUTBOX_BULK_KINDS). Transactional mail
has none of this. An address the mail server refused for good gets no more of them.

The rows are recorded in the publish's transaction (rendered once per language: the same
message for everyone who reads it in that language), so nothing is lost if the broker is
down; after the commit they go to Celery in batches of ``BATCH_SIZE``, each sent over one
SMTP connection. The key
``announcement-<page>-<member>`` means a page is never announced twice to anyone.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import batched
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.log_actions import log

from tasks import outbox

from . import links
from .models import Member

BATCH_SIZE = 200
RECORD_CHUNK = 1000


def recipients():
    """Active members with an account who asked for announcements, and whose address the mail
    server has not refused: (member id, email, language, created_at: the unsubscribe token's stamp)."""
    return (
        Member.objects.filter(
            announcements_opt_in=True, status=Member.Status.ACTIVE, user__isnull=False, email_refused_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "user__email", "language", "created_at")
    )


def list_id() -> str:
    """``List-Id`` (RFC 2919): the branch's announcements, named under the site's host."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<kabar.{host}>"


def list_headers(*, member) -> dict[str, str]:
    """The headers that let a mail app offer "Unsubscribe", stopping it with one POST (RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{links.unsubscribe_url(member=member)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": list_id(),
    }


def preferences_url() -> str:
    return settings.SITE_URL + reverse("members:preferences")


def render(*, page, language: str) -> tuple[str, str, str]:
    """The announcement of ``page`` in one language: subject, text and HTML (its dates too)."""
    with translation.override(language):
        context = {
            "page_title": page.title,
            "page_summary": getattr(page, "summary", ""),
            "page_url": settings.SITE_URL + page.url if page.url else settings.SITE_URL,
            "training_when": getattr(page, "when", ""),
            "training_venue": getattr(page, "venue_name", ""),
            "preferences_url": preferences_url(),
        }
        return outbox.render_message(template="members/email/announcement", context=context, language=language)


def announce(*, page) -> int:
    """Record one announcement of ``page`` per opted-in member and queue them in batches on commit.

    Each member gets it in their own language; it is rendered once per language, not per
    member. Returns how many rows this call recorded (0 when the page was announced before).
    """
    page = page.specific
    languages = dict(settings.LANGUAGES)
    rendered: dict[str, tuple[str, str, str]] = {}
    ids: list[int] = []
    for chunk in batched(recipients().iterator(chunk_size=RECORD_CHUNK), RECORD_CHUNK):
        by_language: dict[str, list[dict]] = defaultdict(list)
        for member_id, email, language, created_at in chunk:
            language = language if language in languages else settings.LANGUAGE_CODE
            member = Member(pk=member_id, created_at=created_at)  # what the unsubscribe token signs
            by_language[language].append(
                {
                    "recipient": email,
                    "idempotency_key": f"announcement-{page.pk}-{member_id}",
                    "headers": list_headers(member=member),
                }
            )
        for language, rows in by_language.items():
            if language not in rendered:
                rendered[language] = render(page=page, language=language)
            subject, body_text, body_html = rendered[language]
            ids += outbox.record_many(
                kind="announcement",
                rows=rows,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                language=language,
            )
    ids.sort()
    # After the commit; where the broker is down, the sweeper picks the rows up later.
    for batch in batched(ids, BATCH_SIZE):
        outbox.dispatch_batch(notification_ids=batch, on_commit=True)
    return len(ids)


# -- what a member receives: the preferences page, the one-click stop, refused addresses -------------


def subscriptions_set(*, member: Member, announcements: bool) -> Member:
    """The member's choice on /anggota/kabar/ (takes effect for the next announcement)."""
    if member.announcements_opt_in != announcements:
        member.announcements_opt_in = announcements
        member.save(update_fields=["announcements_opt_in", "updated_at"])
    return member


def unsubscribe(*, member: Member) -> bool:
    """The one-click stop (RFC 8058) or the page's button: no more announcements, at once.
    False when they were stopped already."""
    changed = Member.objects.filter(pk=member.pk, announcements_opt_in=True).update(
        announcements_opt_in=False, updated_at=timezone.now()
    )
    if changed:
        log(instance=member, action="members.member.unsubscribe", data={})
    return bool(changed)


@transaction.atomic
def address_refused(*, address: str, reply: str, now=None) -> int:
    """The mail server refused ``address`` for good: its member gets no more announcements, and
    the coordinators see it (the member list, the admin home). How many members hold it."""
    now = now or timezone.now()
    members = list(Member.objects.filter(user__email__iexact=address, email_refused_at__isnull=True))
    for member in members:
        member.email_refused_at, member.email_refused_reply = now, reply[:500]
        member.save(update_fields=["email_refused_at", "email_refused_reply"])
        log(instance=member, action="members.member.email_refused", data={"reply": reply[:500]})
    return len(members)


def address_refusal_clear(*, member: Member, by=None) -> bool:
    """The member's address may work again (a new address, or a mailbox they say works again):
    announcements resume and the coordinators' list drops them. False when none was recorded.
    A refusal of the next announcement records it again."""
    if member.email_refused_at is None:
        return False
    member.email_refused_at, member.email_refused_reply = None, ""
    member.save(update_fields=["email_refused_at", "email_refused_reply"])
    log(instance=member, action="members.member.email_refusal_cleared", user=by, data={})
    return True
