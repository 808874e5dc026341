"""Announcements of a new program or training to the members who opted in.

The rows are recorded in the publish's transaction (rendered once per language: the same
message for everyone who reads it in that language), so nothing is lost if the broker is
down; after the commit they go to Celery in batches of ``BATCH_SIZE``, each sent over one
SMTP connection. The key
``announcement-<page>-<member>`` means a page is never announced twice to anyone.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import batched

from django.conf import settings
from django.utils import translation

from tasks import outbox

from .models import Member

BATCH_SIZE = 200
RECORD_CHUNK = 1000


def recipients():
    """(member id, email, language) of active members with an account who asked for announcements."""
    return (
        Member.objects.filter(announcements_opt_in=True, status=Member.Status.ACTIVE, user__isnull=False)
        .order_by("pk")
        .values_list("pk", "user__email", "language")
    )


def render(*, page, language: str) -> tuple[str, str, str]:
    """The announcement of ``page`` in one language: subject, text and HTML (its dates too)."""
    with translation.override(language):
        context = {
            "page_title": page.title,
            "page_summary": getattr(page, "summary", ""),
            "page_url": settings.SITE_URL + page.url if page.url else settings.SITE_URL,
            "training_when": getattr(page, "when", ""),
            "training_venue": getattr(page, "venue_name", ""),
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
        for member_id, email, language in chunk:
            language = language if language in languages else settings.LANGUAGE_CODE
            by_language[language].append({"recipient": email, "idempotency_key": f"announcement-{page.pk}-{member_id}"})
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
