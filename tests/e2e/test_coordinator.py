"""A coordinator at the venue, on a phone: dashboard, participants, check-in, attendance sheet."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from .browser import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TRAINING = "Pelatihan Kopi & Kue"


def same_listing(url: str, expected: str) -> bool:
    """The same listing: path, filters and search (in any order)."""
    got, want = urlsplit(url), urlsplit(expected)
    return got.path == want.path and parse_qs(got.query) == parse_qs(want.query)


def test_coordinator_checks_in_from_the_filtered_list_and_opens_the_sheet(
    live_site, visitor, roles, make_person, make_training
):
    from django.utils import timezone

    from members import enrollment as service
    from members.models import Enrollment, Member
    from tests.people import JUMAT, KHADIJAH, NURAINI, PASSWORD

    last_week = timezone.now() - timedelta(days=7)
    today = make_training(title=TRAINING, starts_at=timezone.now() - timedelta(hours=1))
    tomorrow = make_training(title="Tata Rias Ma'had Al-Ma'arif", starts_at=timezone.now() + timedelta(days=1))
    nuraini = service.enroll(member=Member.objects.get(user=roles.member), training=today, now=last_week)
    service.enroll(member=make_person(JUMAT), training=today, now=last_week)
    khadijah = service.enroll(member=make_person(KHADIJAH), training=tomorrow)

    phone = visitor("coordinator", **PHONE)
    page = phone.page
    phone.goto("/admin/")
    page.wait_for_url("**/akun/login/**")
    page.fill("input[name=login]", roles.coordinator.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/admin/")

    # The dashboard's panel: today's training, marked as such, with what the day needs.
    panel = page.locator("section[aria-labelledby=panel-upcoming-trainings]")
    row = panel.get_by_role("row").filter(has_text=TRAINING)
    assert row.get_by_text("hari ini").is_visible()
    phone.shoot("dashboard")
    row.get_by_role("link", name="Peserta").click()
    page.wait_for_url(f"**/admin/snippets/members/enrollment/?training={today.pk}")

    # Search within the training's list, then check Nur'aini in from her row.
    search = page.locator("input[name=q]")
    if not search.is_visible():  # on a phone the search field sits behind its toggle
        page.locator("[data-w-slim-header-target=toggle], button[aria-controls*=search]").first.click()
    search.fill("Nur'aini")
    page.wait_for_url("**q=Nur%27aini**")
    person = page.get_by_role("row").filter(has_text=NURAINI.full_name)
    assert page.get_by_role("row").filter(has_text=JUMAT.full_name).count() == 0
    listing_url = page.url
    phone.shoot("participants-filtered")
    person.locator("[data-w-dropdown-target=toggle]").click()
    person.get_by_role("link", name="Catat hadir").click()
    page.wait_for_url(f"**/admin/checkin/{nuraini.token}/**")
    phone.assert_fits_width()
    phone.shoot("checkin")
    page.get_by_role("button", name="Catat kehadiran").click()
    page.wait_for_url(lambda url: same_listing(url, listing_url))
    page.locator(".messages").get_by_text(f"{NURAINI.full_name} tercatat hadir.").wait_for()
    phone.shoot("participants-back")
    assert Enrollment.objects.get(pk=nuraini.pk).attended is True

    # The attendance sheet from the list's header.
    page.get_by_role("link", name="Daftar hadir").first.click()
    page.wait_for_url(f"**/admin/members/attendance/{today.pk}/")
    assert page.get_by_role("cell", name=NURAINI.full_name).is_visible()
    phone.shoot("attendance-sheet")

    # A code of tomorrow's training, scanned today: a warning, and a second press to record.
    phone.goto(f"/admin/checkin/{khadijah.token}/")
    page.get_by_role("button", name="Catat kehadiran").click()
    page.get_by_text("lebih dari 3 jam lagi").wait_for()
    phone.assert_fits_width()
    phone.shoot("checkin-warning")
    assert Enrollment.objects.get(pk=khadijah.pk).attended is not True
    page.get_by_role("button", name="Ya, tetap catat kehadiran").click()
    page.locator("[role=status]").get_by_text("tercatat hadir").wait_for()
    assert Enrollment.objects.get(pk=khadijah.pk).attended is True

    # The check-in start page on a phone, with a training of a long name in its list.
    make_training(title="Pelatihan Pemasaran Digital & Pengemasan Produk Kopi & Kue untuk Kader Ma'had Al-Ma'arif")
    phone.goto(f"/admin/checkin/?training={today.pk}")
    phone.assert_fits_width()
    box = page.locator("select[name=training]").bounding_box()  # cut off at the edge, not scrollable
    assert box["x"] + box["width"] <= page.viewport_size["width"], box
    phone.shoot("checkin-start")
    phone.finish()
