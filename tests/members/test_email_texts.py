"""Every message the portal writes, word for word and line for line, in both languages.

``email_texts.json`` holds what each message rendered to (subject, text part, HTML part)
when its template was one line of ``if``/``elif`` per family; the templates are now one
per message, and must render exactly the same bytes. Rewrite the file only when a
message is meant to change (``UPDATE_EMAIL_TEXTS=1``), and read the diff.
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from tasks import outbox

GOLDEN = Path(__file__).with_name("email_texts.json")

TITLE = "Kopi & Kue: Pemasaran Digital di Ma'had Al-Ma'arif"
TRAINING = {
    "recipient_name": "Nur'aini <Siti> & Co",
    "training_title": TITLE,
    "training_when": "Sabtu, 12 Desember 2026, 09.00\N{EN DASH}16.00 WIB",
    "training_venue": 'Aula "Jum\'at Berkah"',
    "training_address": "Jl. Lintas Sumatera No. 5, Lima Puluh",
    "training_url": "http://127.0.0.1:8000/program/umkm/kopi-kue/",
    "dashboard_url": "http://127.0.0.1:8000/anggota/",
    "status_reason": "",
    "calendar": False,
}
ENROLLMENT = TRAINING | {
    "approved": False,
    "by_staff": False,
    "position": None,
    "reason": "",
    "cancellation_deadline": datetime(2026, 12, 11, 2, 0, tzinfo=UTC),
    "calendar_cancel": False,
}
ABSENCE_URL = "http://127.0.0.1:8000/anggota/berhalangan/2a-9f8e7d/"
ATTEND_URL = "http://127.0.0.1:8000/anggota/hadir/5b-1c2d3e/"
OFFER = ENROLLMENT | {
    "event": "",
    "expires_at": "Jum'at, 11 Desember 2026, 09.00 WIB",
    "accept_url": "http://127.0.0.1:8000/anggota/tawaran/1z-0a1b2c/?jawab=terima",
    "decline_url": "http://127.0.0.1:8000/anggota/tawaran/1z-0a1b2c/?jawab=tolak",
}
BEFORE = {
    "before_when": "Sabtu, 5 Desember 2026, 09.00\N{EN DASH}16.00 WIB",
    "before_venue": "Aula Lama & Baru",
    "before_address": "",
    "when_changed": False,
    "venue_changed": False,
}
REASON = 'Kuota "khusus" UMKM & <penuh>'
CERTIFICATE = {
    "recipient_name": TRAINING["recipient_name"],
    "training_title": TITLE,
    "training_dates": (
        "Sabtu, 12 Desember 2026, 09.00\N{EN DASH}16.00 WIB; Minggu, 13 Desember 2026, 08.00\N{EN DASH}12.00 WIB"
    ),
    "number": "2026-K7M2-QX9D",
    "download_url": "http://127.0.0.1:8000/anggota/sertifikat/2026-K7M2-QX9D/unduh/",
    "verification_url": "http://127.0.0.1:8000/sertifikat/2026-K7M2-QX9D/",
    "dashboard_url": TRAINING["dashboard_url"],
}
MEMBER = SimpleNamespace(full_name="Muhammad Jum'at & <Lubis>", user=SimpleNamespace(email="jumat@example.org"))

# name: (template, context)
MESSAGES = {
    "enrollment_confirmed": ("members/email/enrollment/confirmed", ENROLLMENT | {"event": "confirmed"}),
    "enrollment_confirmed_no_address": (
        "members/email/enrollment/confirmed",
        ENROLLMENT | {"event": "confirmed", "training_address": ""},
    ),
    "enrollment_confirmed_approved": (
        "members/email/enrollment/confirmed",
        ENROLLMENT | {"event": "confirmed", "approved": True},
    ),
    "enrollment_confirmed_with_absence_link": (
        "members/email/enrollment/confirmed",
        ENROLLMENT | {"event": "confirmed", "absence_url": ABSENCE_URL},
    ),
    "enrollment_promoted": ("members/email/enrollment/promoted", ENROLLMENT | {"event": "promoted"}),
    "enrollment_waitlisted": (
        "members/email/enrollment/waitlisted",
        ENROLLMENT | {"event": "waitlisted", "position": 3},
    ),
    "enrollment_pending": ("members/email/enrollment/pending", ENROLLMENT | {"event": "pending"}),
    "enrollment_cancelled": ("members/email/enrollment/cancelled", ENROLLMENT | {"event": "cancelled"}),
    "enrollment_cancelled_by_staff": (
        "members/email/enrollment/cancelled",
        ENROLLMENT | {"event": "cancelled", "by_staff": True, "reason": REASON, "calendar_cancel": True},
    ),
    "enrollment_rejected": ("members/email/enrollment/rejected", ENROLLMENT | {"event": "rejected", "reason": REASON}),
    "enrollment_rejected_after_a_seat": (
        "members/email/enrollment/rejected",
        ENROLLMENT | {"event": "rejected", "calendar_cancel": True},
    ),
    "offer_made": ("members/email/offer/made", OFFER),
    "offer_reminder": ("members/email/offer/reminder", OFFER),
    "offer_expired": ("members/email/offer/expired", ENROLLMENT | {"event": "", "expires_at": OFFER["expires_at"]}),
    "training_cancelled": (
        "members/email/training/cancelled",
        TRAINING | {"event": "cancelled", "status_reason": REASON, "calendar": True},
    ),
    "training_cancelled_waiting": ("members/email/training/cancelled", TRAINING | {"event": "cancelled"}),
    "training_changed_time": (
        "members/email/training/changed",
        TRAINING | BEFORE | {"event": "changed", "when_changed": True, "calendar": True},
    ),
    "training_changed_venue": (
        "members/email/training/changed",
        TRAINING | BEFORE | {"event": "changed", "venue_changed": True, "training_address": ""},
    ),
    "training_changed_both": (
        "members/email/training/changed",
        TRAINING
        | BEFORE
        | {
            "event": "changed",
            "when_changed": True,
            "venue_changed": True,
            "before_address": "Jl. Lama",
            "calendar": True,
        },
    ),
    "training_reminder_asks": (
        "members/email/training/reminder_ask",
        TRAINING | {"event": "reminder", "days": 3, "absence_url": ABSENCE_URL, "attend_url": ATTEND_URL},
    ),
    "training_reminder_asks_the_day_before": (
        "members/email/training/reminder_ask",
        TRAINING | {"event": "reminder", "days": 1, "absence_url": ABSENCE_URL, "attend_url": ATTEND_URL},
    ),
    "training_reminder_today": (
        "members/email/training/reminder_today",
        TRAINING | {"event": "reminder", "days": 0, "absence_url": ABSENCE_URL},
    ),
    "message_about_a_training": (
        "members/email/participant_message",
        TRAINING
        | {"event": "message", "subject": "Bawa KTP & pena", "body": "Assalamu'alaikum,\n\nBawa <KTP> & pena."},
    ),
    "message_alone": ("tasks/email/message", {"subject": "Rapat & doa", "body": 'Satu baris.\nDua "baris".'}),
    "announcement_training": (
        "members/email/announcement",
        {
            "page_title": TITLE,
            "page_summary": "Belajar jualan & promosi",
            "page_url": TRAINING["training_url"],
            "training_when": TRAINING["training_when"],
            "training_venue": TRAINING["training_venue"],
            "preferences_url": "http://127.0.0.1:8000/anggota/kabar/",
        },
    ),
    "announcement_program": (
        "members/email/announcement",
        {
            "page_title": "Program UMKM & Koperasi",
            "page_summary": "",
            "page_url": "http://127.0.0.1:8000/program/umkm/",
            "training_when": "",
            "training_venue": "",
            "preferences_url": "http://127.0.0.1:8000/anggota/kabar/",
        },
    ),
    "member_verified": ("members/email/verified", {"member": MEMBER, "dashboard_url": TRAINING["dashboard_url"]}),
    "member_change_request": (
        "members/email/change_request",
        {
            "member": MEMBER,
            "rows": [
                {"label": "jenjang kaderisasi", "current": "PKD", "requested": "PKL"},
                {"label": "kecamatan", "current": "Talawi", "requested": "Lima Puluh & Sekitarnya"},
            ],
            "note": 'Saya pindah & ikut ranting "baru".',
            "edit_url": "http://127.0.0.1:8000/admin/snippets/members/member/edit/7/",
        },
    ),
    "member_change_request_without_note": (
        "members/email/change_request",
        {
            "member": MEMBER,
            "rows": [{"label": "nomor anggota", "current": "", "requested": "12.07.0001"}],
            "note": "",
            "edit_url": "http://127.0.0.1:8000/admin/snippets/members/member/edit/7/",
        },
    ),
    "certificate_issued": ("members/email/certificate/issued", CERTIFICATE),
    "certificate_reissued": ("members/email/certificate/reissued", CERTIFICATE),
    "member_invitation": (
        "members/email/invitation",
        {
            "recipient_name": "Dewi Sartika",
            "set_password_url": "http://127.0.0.1:8000/akun/password/reset/key/7-abc/",
            "site_url": "http://127.0.0.1:8000",
        },
    ),
}
LANGUAGES = ("id", "en")


def rendered(name: str, language: str) -> dict:
    template, context = MESSAGES[name]
    subject, text, html = outbox.render_message(template=template, context=context, language=language)
    return {"subject": subject, "text": text, "html": html}


def test_the_golden_file_names_every_message():
    golden = json.loads(GOLDEN.read_text())
    assert sorted(golden) == sorted(f"{name}.{language}" for name in MESSAGES for language in LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", MESSAGES)
def test_every_message_renders_as_before(name, language, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.WAGTAIL_SITE_NAME = "PC GP Ansor Batu Bara"
    if os.environ.get("UPDATE_EMAIL_TEXTS"):
        golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        golden[f"{name}.{language}"] = rendered(name, language)
        GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())[f"{name}.{language}"]
    assert rendered(name, language) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", MESSAGES)
def test_every_message_recorded_in_the_outbox_is_delivered_as_before(name, language, settings):
    """The outbox keeps the template and the context as JSON and renders at delivery: the email
    built from the row is the golden text, byte for byte (times, escaping and all)."""
    from tasks.models import Notification

    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.WAGTAIL_SITE_NAME = "PC GP Ansor Batu Bara"
    template, context = MESSAGES[name]
    outbox.notify(
        kind="message",
        recipient="nuraini@example.org",
        template=template,
        context=context,
        language=language,
        idempotency_key=f"golden-{name}-{language}",
    )
    row = Notification.objects.get(idempotency_key=f"golden-{name}-{language}")  # as a worker reads it
    deferred = not any(isinstance(value, SimpleNamespace) for value in context.values())
    assert bool(row.template) == deferred  # a context JSON cannot hold is rendered when recorded
    message = outbox.build_message(row).message()
    expected = json.loads(GOLDEN.read_text())[f"{name}.{language}"]
    assert str(message["Subject"]) == expected["subject"]
    assert message.get_body(preferencelist=("plain",)).get_content() == expected["text"]
    html = message.get_body(preferencelist=("html",))
    assert (html.get_content() if html is not None else "") == expected["html"]
