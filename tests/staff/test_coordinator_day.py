"""A coordinator's day (issue 14, item 6): from the dashboard to the sheet, check-in from the
filtered list and back to it, and a warning before checking in on the wrong day."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from members import attendance
from members import enrollment as service
from members.models import Enrollment, Member
from tests.people import DEWI, JUMAT, KHADIJAH, NURAINI

pytestmark = pytest.mark.django_db

LIST = "/admin/snippets/members/enrollment/"


def links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


def link_to(html: str, start: str) -> str:
    found = [href for href in links(html) if href.startswith(start)]
    assert found, f"no link to {start}"
    return found[0]


@pytest.fixture
def today(make_training):
    """A training under way at the venue, with Nur'aini and Jum'at seated."""
    return make_training(title="Pelatihan Kopi & Kue", starts_at=timezone.now() - timedelta(hours=1))


@pytest.fixture
def seated(today, roles, make_person):
    last_week = timezone.now() - timedelta(days=7)  # enrollment closes when the training starts
    nuraini = Member.objects.get(user=roles.member)
    return {
        "nuraini": service.enroll(member=nuraini, training=today, now=last_week),
        "jumat": service.enroll(member=make_person(JUMAT), training=today, now=last_week),
    }


def test_from_the_dashboard_a_coordinator_reaches_the_attendance_sheet_and_check_in(
    client, roles, today, seated, make_training
):
    later = make_training(title="Tata Rias Ma'had Al-Ma'arif")
    client.force_login(roles.coordinator)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Pelatihan hari ini dan mendatang" in dashboard and "hari ini" in dashboard
    assert escape(later.title) in dashboard

    sheet = client.get(link_to(dashboard, reverse("members_attendance_sheet", args=[today.pk])))
    assert sheet.status_code == 200
    assert escape(NURAINI.full_name) in sheet.content.decode()
    assert escape(JUMAT.full_name) in sheet.content.decode()
    assert "0812-6123-4501" in sheet.content.decode()  # the number as the branch writes it, not +62812...

    participants = client.get(link_to(dashboard, f"{LIST}?training={today.pk}"))
    assert participants.status_code == 200 and escape(NURAINI.full_name) in participants.content.decode()

    scanner = client.get(link_to(dashboard, reverse("members_scanner", args=[today.pk])))
    assert scanner.status_code == 200
    assert escape(today.title) in scanner.content.decode() and "camera=(self)" in scanner["Permissions-Policy"]

    # An editor's dashboard has no such panel.
    client.force_login(roles.editor)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("members_attendance_sheet", args=[today.pk]) not in dashboard
    assert reverse("members_scanner", args=[today.pk]) not in dashboard


def test_the_list_filtered_to_one_training_links_its_sheet_and_check_in(client, roles, today, seated):
    client.force_login(roles.coordinator)
    page = client.get(f"{LIST}?training={today.pk}").content.decode()
    assert reverse("members_attendance_sheet", args=[today.pk]) in links(page)
    assert reverse("members_scanner", args=[today.pk]) in links(page)
    unfiltered = client.get(LIST).content.decode()
    assert reverse("members_scanner", args=[today.pk]) not in links(unfiltered)
    # Each row links its own training's sheet, filtered or not.
    assert reverse("members_attendance_sheet", args=[today.pk]) in links(unfiltered)


@pytest.mark.parametrize("path", [LIST, LIST + "results/"])  # the page, and what its search/filter fetches
def test_check_in_from_a_filtered_searched_list_lands_back_on_it(client, roles, today, seated, path):
    client.force_login(roles.coordinator)
    query = urlencode({"training": today.pk, "q": "Nur'aini", "ordering": "-requested_at", "p": 1})
    listing = client.get(f"{path}?{query}").content.decode()
    assert escape(JUMAT.full_name) not in listing  # the search holds
    nuraini = seated["nuraini"]
    checkin = link_to(listing, reverse("members_checkin", args=[nuraini.token]))

    page = client.get(checkin)
    assert page.status_code == 200 and escape(NURAINI.full_name) in page.content.decode()
    done = client.post(checkin)
    assert done.status_code == 302 and done["Location"] == f"{LIST}?{query}"
    nuraini.refresh_from_db()
    assert nuraini.attended is True
    back = client.get(done["Location"]).content.decode()
    assert escape(f"{NURAINI.full_name} tercatat hadir.") in back
    # A "next" elsewhere is not followed.
    other = client.post(
        reverse("members_checkin", args=[seated["jumat"].token]) + "?next=https://contoh.example/",
    )
    assert other.status_code == 200 and "contoh.example" not in other.get("Location", "")
    # Present now: her row offers no second check-in.
    assert reverse("members_checkin", args=[nuraini.token]) not in back


def test_cancel_from_a_filtered_list_returns_to_it(client, roles, today, seated):
    client.force_login(roles.coordinator)
    query = urlencode({"training": today.pk, "q": "Jum'at", "p": 1})
    listing = client.get(f"{LIST}?{query}").content.decode()
    jumat = seated["jumat"]
    cancel = link_to(
        listing, reverse("wagtail_bulk_action", args=("members", "enrollment", "cancel")) + f"?id={jumat.pk}"
    )
    done = client.post(cancel, {"reason": "Tidak bisa hadir: ada acara keluarga & kebun"})
    assert done.status_code == 302 and done["Location"] == f"{LIST}?{query}"
    jumat.refresh_from_db()
    assert jumat.status == Enrollment.Status.CANCELLED


def test_verify_from_a_filtered_member_list_returns_to_it(client, roles, make_person):
    dewi = make_person(DEWI, status=Member.Status.PENDING)
    make_person(KHADIJAH, status=Member.Status.PENDING)
    client.force_login(roles.coordinator)
    members = reverse("wagtailsnippets_members_member:list")
    query = urlencode({"status": "pending", "q": "O'Neill", "ordering": "full_name"})
    listing = client.get(f"{members}?{query}").content.decode()
    assert escape(KHADIJAH.full_name) not in listing
    verify = link_to(listing, reverse("wagtail_bulk_action", args=("members", "member", "verify")) + f"?id={dewi.pk}")
    done = client.post(verify, {})
    assert done.status_code == 302 and done["Location"] == f"{members}?{query}"
    dewi.refresh_from_db()
    assert dewi.status == Member.Status.ACTIVE


def test_checking_in_a_day_early_warns_and_records_only_once_confirmed(client, roles, make_training, today, seated):
    tomorrow = make_training(title="Pemasaran Digital Kopi & Kue", starts_at=timezone.now() + timedelta(days=1))
    nuraini = service.enroll(member=Member.objects.get(user=roles.member), training=tomorrow)
    client.force_login(roles.coordinator)
    back_to = f"{LIST}?" + urlencode({"training": tomorrow.pk, "q": "Nur'aini"})
    url = reverse("members_checkin", args=[nuraini.token]) + "?" + urlencode({"next": back_to})

    warning = client.post(url)
    assert warning.status_code == 200
    text = warning.content.decode()
    assert "Belum tercatat hadir." in text and "lebih dari 3 jam lagi" in text
    assert 'name="outside_window"' in text  # the second confirmation, a plain form
    assert '<a href="https://wa.me/6281261234501">0812-6123-4501</a>' in text  # one tap to her WhatsApp
    nuraini.refresh_from_db()
    assert not nuraini.attended

    confirmed = client.post(url, {"outside_window": "1"})
    assert confirmed.status_code == 302 and confirmed["Location"] == back_to
    nuraini.refresh_from_db()
    assert nuraini.attended is True

    # At the venue, during the training, one press records (no question asked).
    jumat = seated["jumat"]
    url = reverse("members_checkin", args=[jumat.token]) + "?" + urlencode({"next": back_to})
    assert client.post(url)["Location"] == back_to
    assert Enrollment.objects.get(pk=jumat.pk).attended is True


def test_marking_attendance_in_bulk_says_which_trainings_are_far_from_now(client, roles, today, seated, make_training):
    tomorrow = make_training(title="Tata Rias Ma'had Al-Ma'arif", starts_at=timezone.now() + timedelta(days=1))
    early = service.enroll(member=Member.objects.get(user=roles.member), training=tomorrow)
    client.force_login(roles.coordinator)
    bulk = reverse("wagtail_bulk_action", args=("members", "enrollment", "attended"))
    page = client.get(f"{bulk}?id={early.pk}&id={seated['jumat'].pk}").content.decode()
    assert page.count("lebih dari 3 jam lagi") == 1  # tomorrow's, not today's
    assert escape(tomorrow.title) in page and escape(JUMAT.full_name) in page


def test_the_service_decides_what_is_far_outside_the_training(make_training):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    training = make_training(starts_at=starts, ends_at=starts + timedelta(hours=6))
    window = attendance.CHECKIN_WINDOW
    minute = timedelta(minutes=1)
    assert attendance.checkin_warning(training=training, now=starts - window + minute) == ""
    assert attendance.checkin_warning(training=training, now=starts + timedelta(hours=2)) == ""
    assert attendance.checkin_warning(training=training, now=training.ends_at + window - minute) == ""
    assert "lagi" in str(attendance.checkin_warning(training=training, now=starts - window - minute))
    assert "yang lalu" in str(attendance.checkin_warning(training=training, now=training.ends_at + window + minute))
