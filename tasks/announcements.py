"""Announcements of a new program or training to the members who opted in.

The rows are recorded in the publish's transaction (rendered once: the same message for
everyone), so nothing is lost if the broker is down; after the commit they go to Celery in
batches of ``BATCH_SIZE``, each sent over one SMTP connection. The key
``announcement-<page>-<member>`` means a page is never announced twice to anyone.
"""

from __future__ import annotations

from itertools import batched

from django.conf import settings
from django.db import transaction

from . import outbox

BATCH_SIZE = 200
RECORD_CHUNK = 1000


def recipients():
    """(member id, email) of active members with an account who asked for announcements."""
    from members.models import Member

    return (
        Member.objects.filter(announcements_opt_in=True, status=Member.Status.ACTIVE, user__isnull=False)
        .order_by("pk")
        .values_list("pk", "user__email")
    )


def announce(*, page) -> int:
    """Record one announcement of ``page`` per opted-in member and queue them in batches on commit.

    Returns how many rows this call recorded (0 when the page was announced before).
    """
    page = page.specific
    context = {
        "page_title": page.title,
        "page_summary": getattr(page, "summary", ""),
        "page_url": settings.SITE_URL + page.url if page.url else settings.SITE_URL,
        "training_when": getattr(page, "when", ""),
        "training_venue": getattr(page, "venue_name", ""),
    }
    language = settings.LANGUAGE_CODE
    subject, body_text, body_html = outbox.render_message(
        template="tasks/email/announcement", context=context, language=language
    )
    ids: list[int] = []
    for chunk in batched(recipients().iterator(chunk_size=RECORD_CHUNK), RECORD_CHUNK):
        rows = [
            {"recipient": email, "idempotency_key": f"announcement-{page.pk}-{member_id}"} for member_id, email in chunk
        ]
        ids += outbox.record_many(
            kind="announcement",
            rows=rows,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            language=language,
        )
    batches = [list(batch) for batch in batched(ids, BATCH_SIZE)]
    transaction.on_commit(lambda: queue(batches))
    return len(ids)


def queue(batches: list[list[int]]) -> int:
    """Hand each batch to Celery; where the broker is down, the sweeper picks the rows up later."""
    return sum(outbox.dispatch_batch(notification_ids=batch) for batch in batches)
