"""A visitor on a phone becomes a verified member, enrolls in a training, and cancels."""

import re

import pytest
from icalendar import Calendar

from ..processes import wait_for
from .browser import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EMAIL = "siti.rahmah@example.org"
PASSWORD = "Rumput-Laut-2026"
TRAINING = "Budidaya Rumput Laut untuk Kader Pesisir"


def log_in(person, email, password):
    page = person.page
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()


def test_visitor_on_a_phone_signs_up_is_verified_enrolls_and_cancels(
    live_site, visitor, staff_user, make_training, django_user_model
):
    from members.models import Enrollment, Member

    training = make_training(title=TRAINING, slug="budidaya-rumput-laut", capacity=20)
    phone = visitor("member", **PHONE)
    page = phone.page

    # Sign up.
    phone.goto("/akun/signup/")
    phone.assert_fits_width()
    phone.shoot("signup")
    phone.assert_accessible("sign-up page")
    page.fill("input[name=full_name]", "Siti Rahmah")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=privacy_agreed]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/akun/confirm-email/")

    # Confirm by the link in the email.
    [message] = wait_for(lambda: live_site.mails_to(EMAIL), what="the confirmation email")
    link = re.search(r"http://127\.0\.0\.1:\d+/akun/confirm-email/\S+/", message.get_body(("plain",)).get_content())
    assert link, message.get_body(("plain",)).get_content()
    phone.goto(link.group(0))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/akun/login/**")
    log_in(phone, EMAIL, PASSWORD)
    page.wait_for_url("**/anggota/")
    assert page.locator(".status--pending").is_visible()

    # Complete the profile.
    page.locator("main a[href='/anggota/profil/']").first.click()
    page.wait_for_url("**/anggota/profil/")
    page.fill("input[name=phone]", "0812 3456 7890")
    page.check("input[name=gender][value=female]")
    page.fill("input[name=birth_date]", "1996-03-14")
    page.select_option("select[name=district]", label="Talawi")
    page.fill("input[name=village]", "Labuhan Ruku")
    page.select_option("select[name=cadre_level]", value="pkd")
    page.fill("input[name=occupation]", "Pengolah hasil laut")
    assert page.is_checked("input[name=privacy_agreed]")  # agreed at sign-up
    phone.assert_fits_width()
    phone.shoot("profile")
    page.get_by_role("button", name="Simpan profil saya").click()  # the photo has a form of its own below
    page.wait_for_url("**/anggota/")
    assert "100%" in page.locator("main").inner_text()
    assert page.locator(".status--pending").is_visible()

    # A coordinator verifies the new member in the admin, from the dashboard's panel.
    desk = visitor("coordinator", **DESKTOP)
    desk.goto("/admin/")  # one login for everyone: allauth's, then back to the admin
    desk.page.wait_for_url("**/akun/login/**")
    log_in(desk, staff_user.email, "x")
    desk.page.wait_for_url("**/admin/")
    desk.page.locator("#panel-pending-members").locator("xpath=..").get_by_role("link").click()
    row = desk.page.get_by_role("row").filter(has_text="Siti Rahmah")
    row.locator("[data-w-dropdown-target=toggle]").click()  # the row's "…" menu
    row.get_by_role("link", name="Verifikasi").click()
    desk.page.get_by_role("button", name="Ya, verifikasi").click()
    desk.page.locator(".messages").wait_for()
    desk.shoot("admin-member-verified")
    member = Member.objects.get(user__email=EMAIL)
    assert member.status == Member.Status.ACTIVE and member.verified_by == staff_user
    desk.finish()
    wait_for(lambda: len(live_site.mails_to(EMAIL)) == 2, what="the email telling the member")

    # Enroll from the training's page.
    phone.goto(training.url)
    phone.assert_fits_width()
    page.locator(f"form[action$='/pelatihan/{training.pk}/daftar/'] button").click()
    page.wait_for_url(f"**{training.url}#pendaftaran")
    assert page.locator(".enrollment .my-status--confirmed").is_visible()
    phone.shoot("training-enrolled")
    phone.assert_accessible("training page")
    enrollment = Enrollment.objects.get(member=member, training=training)
    assert enrollment.status == Enrollment.Status.CONFIRMED
    wait_for(lambda: any(TRAINING in m["Subject"] for m in live_site.mails_to(EMAIL)), what="the seat's email")

    # The dashboard: the training, confirmed, with the check-in QR code.
    phone.goto("/anggota/")
    item = page.locator(".my-training").filter(has_text=TRAINING)
    assert item.locator(".my-status--confirmed").is_visible()
    item.locator("details.checkin summary").click()
    qr = item.locator("svg.checkin-qr")
    assert qr.is_visible()
    assert qr.locator("path").count() >= 1  # drawn inline, no image request
    phone.assert_fits_width()
    phone.shoot("dashboard")
    phone.assert_accessible("member dashboard")

    # The calendar file.
    with page.expect_download() as download:
        item.locator(f"a[href='{training.calendar_url}']").click()
    ics = download.value.path().read_bytes()
    calendar = Calendar.from_ical(ics)
    assert calendar.name == "VCALENDAR"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == TRAINING
    assert event.decoded("DTSTART") == training.starts_at

    # Cancel: the button asks first, on a page of its own; the member confirms there.
    item.locator(f"a[href^='/anggota/pelatihan/{training.pk}/batal/']").click()
    page.wait_for_url(f"**/anggota/pelatihan/{training.pk}/batal/**")
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CONFIRMED  # asking changed nothing
    phone.assert_fits_width()
    phone.shoot("cancel-confirmation")
    phone.assert_accessible("cancel confirmation")
    page.locator(f"form[action$='/pelatihan/{training.pk}/batal/'] button").click()
    page.wait_for_url("**/anggota/")
    assert page.locator(".my-training").filter(has_text=TRAINING).count() == 0
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CANCELLED
    phone.shoot("dashboard-after-cancel")
    phone.finish()
