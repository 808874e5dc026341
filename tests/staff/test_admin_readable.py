"""Staff read the admin in Indonesian: WIB, Ya/Tidak/—, labels not codes, no secrets (issue 14, items 5, 9, 14)."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from members import attendance, personal_data
from members import enrollment as service
from tasks.models import Notification
from tests.people import JUMAT, KHADIJAH

pytestmark = pytest.mark.django_db

# 23.30 UTC on 1 December is 06.30 WIB on 2 December: the date moves too.
MOMENT = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


def page_text(response) -> str:
    """What a person reads: the HTML without tags, scripts and icons, whitespace collapsed."""
    assert response.status_code == 200
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text)


def field(text: str, label: str) -> str:
    """The value shown after ``label`` on an inspect page (up to the next label)."""
    return text.split(f" {label} ", 1)[1]


def test_member_inspect_shows_wib_words_and_whatsapp_never_the_calendar_token(client, roles, make_person):
    nuraini = roles.member.member
    nuraini.privacy_agreed_at = MOMENT
    nuraini.announcements_opt_in = False
    nuraini.save()
    client.force_login(roles.coordinator)
    response = client.get(reverse("wagtailsnippets_members_member:inspect", args=[nuraini.pk]))
    html, text = response.content.decode(), page_text(response)

    assert "Nur'aini Siregar" in text
    assert field(text, "Menyetujui pemberitahuan privasi pada").startswith("02/12/2026 06.30 WIB")
    assert field(text, "Terima pengumuman program melalui email").startswith("Tidak ")
    assert field(text, "Diverifikasi oleh").startswith("— ")  # nobody yet, not "None"
    assert field(text, "Nomor anggota").startswith("— ")
    assert field(text, "Tanggal lahir").startswith("17/08/1996")
    for raw in (" None ", " True ", " False ", "UTC"):
        assert raw not in text, raw
    assert nuraini.calendar_token not in html
    # The phone opens a WhatsApp chat, written as the branch writes it.
    assert 'href="https://wa.me/6281261234501"' in html
    assert field(text, "Telepon/WhatsApp").startswith("0812-6123-4501")


def test_participant_inspect_shows_labels_and_wib(client, roles, make_person, make_training):
    training = make_training(title="Kopi & Kue Ma'had Al-Ma'arif")
    jumat = make_person(JUMAT)
    held = service.enroll(member=jumat, training=training)
    attendance.mark_attended(enrollment=held, by=roles.coordinator)
    client.force_login(roles.coordinator)
    response = client.get(reverse("wagtailsnippets_members_enrollment:inspect", args=[held.pk]))
    html, text = response.content.decode(), page_text(response)

    assert "Muhammad Jum'at Lubis · Kopi & Kue Ma'had Al-Ma'arif" in text  # the title, no codes or ids
    assert field(text, "Status").startswith("Terkonfirmasi ")
    assert field(text, "Hadir").startswith("Ya ")
    assert field(text, "Dibatalkan pada").startswith("— ")
    assert re.match(r"\d\d/\d\d/\d{4} \d\d\.\d\d WIB", field(text, "Kehadiran dicatat pada"))
    assert " confirmed" not in text and " None " not in text and " True " not in text
    held.refresh_from_db()
    assert str(held.token) not in html  # the check-in code is a credential


def test_outbox_shows_kinds_as_labels_and_keeps_sealed_text_hidden(client, roles):
    Notification.objects.create(
        kind="account_password_reset_key",
        recipient=KHADIJAH.email,
        subject="Atur ulang kata sandi",
        body_text="https://portal.example/akun/password/reset/key/rahasia-sekali/",
        secret=True,
        idempotency_key="readable-1",
    )
    row = Notification.objects.create(
        kind="member_invitation",
        recipient=JUMAT.email,
        subject="Undangan",
        body_text="https://portal.example/akun/password/reset/key/undangan-rahasia/",
        secret=True,
        idempotency_key="readable-2",
    )
    client.force_login(roles.superuser)
    listing = page_text(client.get("/admin/outbox/"))
    assert "Akun: tautan atur ulang kata sandi" in listing and "Undangan membuat kata sandi" in listing
    assert "account_password_reset_key" not in listing and "member_invitation" not in listing
    # The filter offers the same labels, and filtering by one works.
    filtered = page_text(client.get("/admin/outbox/", {"kind": "member_invitation"}))
    assert JUMAT.email in filtered and KHADIJAH.email not in filtered

    response = client.get(f"/admin/outbox/inspect/{row.pk}/")
    text = page_text(response)
    assert field(text, "Jenis").startswith("Undangan membuat kata sandi")
    assert field(text, "Bahasa").startswith("Bahasa Indonesia")  # not "id"
    assert "undangan-rahasia" not in response.content.decode()
    assert "tidak ditampilkan" in text
    assert re.match(r"\d\d/\d\d/\d{4} \d\d\.\d\d WIB", field(text, "Dibuat pada"))


def test_participants_list_names_deleted_members_and_links_whatsapp(client, roles, make_person, make_training):
    training = make_training(title="Kopi & Kue")
    nuraini, jumat = roles.member.member, make_person(JUMAT)
    service.enroll(member=nuraini, training=training)
    service.enroll(member=jumat, training=training)
    personal_data.member_delete(user=jumat.user)
    client.force_login(roles.coordinator)
    response = client.get(reverse("wagtailsnippets_members_enrollment:list"), {"training": training.pk})
    html, text = response.content.decode(), page_text(response)

    assert "(anggota yang dihapus)" in text and "(blank)" not in text
    assert "Nama lengkap anggota" in text and "Anggota nama lengkap" not in text
    headings = re.findall(r"<th[^>]*>\s*(?:<[^>]+>\s*)*([^<]+?)\s*<", html)
    assert {"Kecamatan", "Pelatihan", "Hadir"} <= set(headings), headings  # column headings capitalised
    assert 'href="https://wa.me/6281261234501"' in html and "0812-6123-4501" in text
    assert " None " not in text


def test_every_admin_menu_item_is_named_as_its_page(client, roles):
    """The menu says "Peserta" and "Kotak keluar"; so do the pages it opens (submenus too)."""
    from wagtail.admin.menu import admin_menu

    client.force_login(roles.superuser)
    request = client.get("/admin/").wsgi_request

    def flatten(items):
        for item in items:
            if hasattr(item, "menu"):
                yield from flatten(item.menu.menu_items_for_request(request))
            else:
                yield item

    headings = {}
    for item in flatten(admin_menu.menu_items_for_request(request)):
        response = client.get(item.url)
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), flags=re.S)
        if response.status_code == 200 and heading:
            headings[str(item.label)] = page_text_of(heading.group(1))
    assert headings["Peserta"] == "Peserta"
    assert headings["Kotak keluar"] == "Kotak keluar"
    # Wagtail's own: the page explorer names the page it shows; "Shortcuts" opens a dialog.
    for wagtails in ("Halaman", "Shortcuts"):
        headings.pop(wagtails, None)
    mismatched = {label: heading for label, heading in headings.items() if not heading.startswith(label)}
    assert not mismatched


def page_text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def test_a_new_staff_user_reads_the_admin_in_indonesian(client, demo_site, django_user_model, settings):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(email="staf.baru@example.org", password="x")
    user.groups.add(Group.objects.get(name="Koordinator"))
    client.force_login(user)
    # They once looked at the public site in English, and their browser is set to English.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("wagtailsnippets_members_member:list"), HTTP_ACCEPT_LANGUAGE="en-US,en")
    text = page_text(response)
    assert "Anggota" in text and "Menunggu verifikasi" in text
    assert "Members" not in text and "Awaiting verification" not in text
    assert 'lang="id"' in response.content.decode()
    # The public site keeps their choice.
    assert 'lang="en"' in client.get("/").content.decode()


def test_dashboard_chart_counts_enrollments_that_still_stand(client, roles, make_person, make_training):
    training = make_training(title="Kopi & Kue")
    service.enroll(member=roles.member.member, training=training)
    cancelled = service.enroll(member=make_person(JUMAT), training=training)
    service.cancel(enrollment=cancelled, by=cancelled.member.user)
    client.force_login(roles.coordinator)
    text = page_text(client.get("/admin/"))
    assert "Pemberdayaan UMKM Kader · mendaftar: 1 · hadir: 0" in text
