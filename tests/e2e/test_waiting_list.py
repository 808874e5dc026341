"""A full training: the next member waits, and gets the seat (and an email) when it is freed."""

import pytest

from ..processes import wait_for
from .browser import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TRAINING = "Pengemasan Produk Olahan Ikan"


def log_in(person, email, *, next_path: str):
    person.goto(f"/akun/login/?next={next_path}")
    person.page.fill("input[name=login]", email)
    person.page.fill("input[name=password]", "x")  # make_active_member's password
    person.page.locator("main form button[type=submit]").click()
    person.page.wait_for_url(f"**{next_path}")


def test_full_training_puts_the_next_member_on_the_waiting_list_and_promotes_them(
    live_site, visitor, make_training, make_active_member
):
    from members import enrollment as service
    from members.models import Enrollment

    training = make_training(title=TRAINING, slug="pengemasan-produk", capacity=1)
    first = make_active_member(full_name="Ahmad Fauzi")
    second = make_active_member(full_name="Rina Marlina")
    service.enroll(member=first, training=training)  # the only seat is taken

    # The second member finds the training full and joins the waiting list.
    waiting = visitor("waiting", **PHONE)
    log_in(waiting, second.user.email, next_path=training.url)
    page = waiting.page
    assert page.locator(".enrollment .seats--full").is_visible()
    page.locator(f"form[action$='/pelatihan/{training.pk}/daftar/'] button").click()
    page.wait_for_url(f"**{training.url}#pendaftaran")
    assert page.locator(".enrollment .my-status--waitlisted").is_visible()
    waiting.shoot("training-waitlisted")
    waiting.goto("/anggota/")
    item = page.locator(".my-training").filter(has_text=TRAINING)
    assert item.locator(".my-status--waitlisted").is_visible()
    assert item.locator("svg.checkin-qr").count() == 0  # no check-in code while waiting
    waiting.shoot("dashboard-waitlisted")

    # The first member cancels from their dashboard, in their own browser.
    leaving = visitor("leaving", **PHONE)
    log_in(leaving, first.user.email, next_path="/anggota/")
    leaving.page.locator(f"a[href^='/anggota/pelatihan/{training.pk}/batal/']").click()
    leaving.page.locator(f"form[action$='/pelatihan/{training.pk}/batal/'] button").click()
    leaving.page.wait_for_url("**/anggota/")
    assert leaving.page.locator(".my-training").filter(has_text=TRAINING).count() == 0
    leaving.finish()

    # The seat went to the waiting member at once: their dashboard says so, with the QR code.
    waiting.goto("/anggota/")
    item = page.locator(".my-training").filter(has_text=TRAINING)
    assert item.locator(".my-status--confirmed").is_visible()
    item.locator("details.checkin summary").click()
    assert item.locator("svg.checkin-qr").is_visible()
    waiting.shoot("dashboard-promoted")
    waiting.finish()
    assert Enrollment.objects.get(member=second, training=training).status == Enrollment.Status.CONFIRMED

    # And the promotion email reached the SMTP server, with the calendar attached.
    def promotion():
        return [m for m in live_site.mails_to(second.user.email) if "Anda mendapat kursi" in m["Subject"]]

    [message] = wait_for(promotion, what="the promotion email")
    assert TRAINING in message["Subject"]
    assert [part.get_filename() for part in message.iter_attachments()] == ["pelatihan.ics"]
