"""Announcements people can stop (issue 17): RFC 8058 one-click, a preferences page, refused addresses.

Read as a mail client reads them (Python's email package, through a real SMTP server), and
stopped with a plain POST that has no session and no CSRF token.
"""

import re

import pytest
from django.test import Client
from wagtail.models import ModelLogEntry

from members import enrollment as service
from members import links
from members.models import Member
from tasks import outbox
from tasks.models import Notification
from tests.people import JUMAT, NURAINI
from tests.worker import deliver_all

pytestmark = pytest.mark.django_db


def announced_to(title: str) -> list[str]:
    rows = Notification.objects.filter(kind="announcement").order_by("recipient")
    return [row.recipient for row in rows if title in outbox.rendered(row).subject]


@pytest.fixture
def announced(settings, smtp_server, make_training, make_person):
    settings.SITE_URL = "https://ansor-batubara.example"
    settings.ANNOUNCEMENT_FROM_EMAIL = "kabar@ansor-batubara.example"
    nuraini = make_person(NURAINI, announcements_opt_in=True)
    jumat = make_person(JUMAT, announcements_opt_in=True)
    training = make_training(title="Kopi & Kue: Pemasaran Digital")  # its first publish announces it
    assert Notification.objects.filter(kind="announcement").count() == 2
    deliver_all()
    by_recipient = {message["To"]: message for message in smtp_server.messages}
    return training, nuraini, jumat, by_recipient


def test_every_announcement_can_be_stopped_with_one_click(announced, make_training):
    _training, nuraini, _jumat, by_recipient = announced
    message = by_recipient[NURAINI.email]
    url = message["List-Unsubscribe"].strip("<>")
    assert re.fullmatch(r"https://ansor-batubara\.example/anggota/kabar/berhenti/[0-9a-z]+-[0-9a-f]{40}/", url)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "<kabar.ansor-batubara.example>"
    assert "kabar@ansor-batubara.example" in message["From"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "https://ansor-batubara.example/anggota/kabar/" in text  # the visible way out
    assert by_recipient[JUMAT.email]["List-Unsubscribe"] != message["List-Unsubscribe"]  # each their own
    # The link is a credential: no reader of the outbox row has it.
    token = url.rstrip("/").rsplit("/", 1)[-1]
    row = Notification.objects.get(recipient=NURAINI.email)
    assert token not in " ".join(str(value) for value in Notification.objects.filter(pk=row.pk).values().get().values())

    path = url.removeprefix("https://ansor-batubara.example")
    mail_app = Client(enforce_csrf_checks=True)  # what a mail provider sends: a bare POST
    assert mail_app.get(path).status_code == 200  # a scanner's GET changes nothing
    nuraini.refresh_from_db()
    assert nuraini.announcements_opt_in
    response = mail_app.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    nuraini.refresh_from_db()
    assert not nuraini.announcements_opt_in  # at once

    make_training(title="Abon Ikan")
    assert announced_to("Abon Ikan") == [JUMAT.email]  # Nur'aini stopped them


def test_transactional_mail_has_none_of_it(smtp_server, make_training, make_person):
    service.enroll(member=make_person(NURAINI, announcements_opt_in=True), training=make_training())
    deliver_all()
    [message] = [m for m in smtp_server.messages if m["X-Portal-Notification"] == "enrollment_confirmed"]
    assert message["List-Unsubscribe"] is None and message["List-Id"] is None
    assert message["List-Unsubscribe-Post"] is None


def test_the_preferences_page_and_a_forged_link(client, make_person):
    nuraini = make_person(NURAINI)
    client.force_login(nuraini.user)
    page = client.get("/anggota/kabar/")
    assert page.status_code == 200 and 'name="announcements"' in page.content.decode()
    client.post("/anggota/kabar/", {"announcements": "on"})
    nuraini.refresh_from_db()
    assert nuraini.announcements_opt_in
    number, signature = links.unsubscribe_token(member=nuraini).split("-")
    assert Client().post(f"/anggota/kabar/berhenti/{number}-{signature[::-1]}/").status_code == 404
    nuraini.refresh_from_db()
    assert nuraini.announcements_opt_in


def test_an_address_the_server_refuses_for_good_gets_no_more_announcements(
    smtp_server, make_training, make_person, roles, client
):
    nuraini = roles.member.member  # Nur'aini, the roles' member
    nuraini.announcements_opt_in = True
    nuraini.save()
    make_person(JUMAT, announcements_opt_in=True)
    smtp_server.refuse_recipient(NURAINI.email)
    make_training(title="Kopi & Kue")  # announced to both
    deliver_all()
    refused = Notification.objects.get(recipient=NURAINI.email)
    assert refused.status == "failed" and "550" in refused.last_error
    nuraini.refresh_from_db()
    assert nuraini.email_refused_at is not None and "550" in nuraini.email_refused_reply
    assert [m["To"] for m in smtp_server.messages] == [JUMAT.email]

    make_training(title="Abon Ikan")
    assert announced_to("Abon Ikan") == [JUMAT.email]  # Nur'aini's address is suppressed
    client.force_login(roles.coordinator)
    home = client.get("/admin/").content.decode()
    assert "ditolak server email" in home and NURAINI.email in home
    assert Member.objects.filter(email_refused_at__isnull=False).count() == 1


@pytest.fixture
def refused_member(smtp_server, make_training, roles):
    """Nur'aini, whose address the mail server refused for good on an announcement."""
    nuraini = roles.member.member
    nuraini.announcements_opt_in = True
    nuraini.save()
    smtp_server.refuse_recipient(NURAINI.email)
    make_training(title="Kopi & Kue")
    deliver_all()
    nuraini.refresh_from_db()
    assert nuraini.email_refused_at is not None
    return nuraini


def logged_in(email: str) -> Client:
    from tests.people import PASSWORD

    member_client = Client()
    assert member_client.post("/akun/login/", {"login": email, "password": PASSWORD}).status_code == 302
    return member_client


def test_a_member_whose_mailbox_works_again_says_so_and_gets_announcements_again(
    refused_member, smtp_server, make_training, roles, client
):
    smtp_server.handler.refused.clear()  # her mailbox was full for good, and emptied
    member_client = logged_in(NURAINI.email)
    page = member_client.get("/anggota/kabar/").content.decode()
    assert "Server email menolak alamat email Anda" in page
    answer = member_client.post("/anggota/kabar/", {"address_works": "1"}, follow=True).content.decode()
    assert "Kabar berikutnya akan dikirim lagi ke alamat Anda." in answer
    assert "Server email menolak" not in answer
    make_training(title="Abon Ikan Ma'had")
    assert announced_to("Abon Ikan Ma'had") == [NURAINI.email]
    deliver_all()
    assert [message["To"] for message in smtp_server.messages] == [NURAINI.email]
    client.force_login(roles.coordinator)
    assert 'id="panel-refused-addresses"' not in client.get("/admin/").content.decode()  # nobody refused now
    entry = ModelLogEntry.objects.filter(action="members.member.email_refusal_cleared").get()
    assert entry.user_id == roles.member.pk


def test_a_member_who_makes_a_new_address_primary_gets_announcements_there(refused_member, make_training):
    from allauth.account.models import EmailAddress

    new_address = "nuraini.siregar@example.net"
    EmailAddress.objects.create(user=refused_member.user, email=new_address, verified=True, primary=False)
    member_client = logged_in(NURAINI.email)
    response = member_client.post("/akun/email/", {"email": new_address, "action_primary": ""})
    assert response.status_code == 302
    refused_member.refresh_from_db()
    assert refused_member.user.email == new_address and refused_member.email_refused_at is None
    make_training(title="Kelas Jum'at & UMKM")
    assert announced_to("Kelas Jum'at & UMKM") == [new_address]
