"""Sign-up, email confirmation, login and password reset, through HTTP as a visitor does."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from members.models import Member
from tasks.models import Notification

from .conftest import PASSWORD, link_in, make_member

pytestmark = pytest.mark.django_db


def sign_up(client, email="budi@example.org", **overrides):
    data = {
        "full_name": "Budi Santoso",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "privacy_agreed": "on",
        **overrides,
    }
    return client.post("/akun/signup/", data)


def test_sign_up_page_is_in_indonesian_in_the_site_look(client, demo_site):
    html = client.get("/akun/signup/").content.decode()
    assert '<html lang="id">' in html
    assert 'class="site-header"' in html  # the site's header, not allauth's bare layout
    assert "Daftar" in html  # allauth's own Indonesian translation
    assert "Nama lengkap" in html
    assert 'href="/privasi/"' in html


def test_password_errors_sit_under_the_password_input_and_are_read_with_it(client, demo_site):
    """Label, input, the errors, then the rules: each named by the input's aria-describedby."""
    import re

    html = sign_up(client, email="nuraini@example.org", full_name="Nur'aini", password1="12345", password2="12345")
    html = html.content.decode()
    start = html.index('<label for="id_password1"')
    field = html[start : html.index('<label for="id_password2"')]
    error = "Kata sandi terlalu pendek."
    assert error in field  # not above the label, where it read as the e-mail field's
    input_tag = re.search(r"<input[^>]*id=\"id_password1\"[^>]*>", field).group(0)
    described_by = re.search(r'aria-describedby="([^"]+)"', input_tag).group(1).split()
    assert field.index(input_tag) < field.index(error) < field.index("<ul>")
    for element_id in described_by:
        assert f'id="{element_id}"' in field, element_id
    error_box = field[field.index('id="id_password1_error"') :]
    assert error_box.index(error) < error_box.index("</div>")
    assert error not in html[:start]


def test_sign_up_confirm_then_log_in(client, demo_site, django_capture_on_commit_callbacks):
    # The confirmation is recorded in the outbox and sent once the sign-up commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)
        assert Notification.objects.get().status == "pending"
        assert mail.outbox == []
    assert Notification.objects.get().status == "sent"
    assert response.status_code == 302
    assert response["Location"] == "/akun/confirm-email/"
    member = Member.objects.get(user__email="budi@example.org")
    assert member.full_name == "Budi Santoso"
    assert member.status == Member.Status.PENDING
    assert member.privacy_agreed_at is not None
    assert member.announcements_opt_in is False

    assert len(mail.outbox) == 1
    assert "PC GP Ansor Batu Bara" in mail.outbox[0].body  # the branch, not the request host
    confirm_path = link_in(mail.outbox[0], r"/akun/confirm-email/[^/\s]+/")
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "budi@example.org" in page.content.decode()
    response = client.post(confirm_path)
    assert response.status_code == 302

    response = client.post("/akun/login/", {"login": "budi@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/anggota/"
    dashboard = client.get("/anggota/").content.decode()
    assert "Budi Santoso" in dashboard


def test_log_in_is_refused_before_the_email_is_confirmed(client, demo_site):
    sign_up(client)
    mail.outbox.clear()
    response = client.post("/akun/login/", {"login": "budi@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/akun/confirm-email/"
    assert client.get("/anggota/").status_code == 302  # still logged out


def test_sign_up_requires_the_privacy_consent(client, demo_site):
    response = sign_up(client, privacy_agreed="")
    assert response.status_code == 200
    assert "Anda harus menyetujui pemberitahuan privasi." in response.content.decode()
    assert not Member.objects.exists()
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_password_reset_by_email(client, demo_site, django_capture_on_commit_callbacks):
    make_member("lupa@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/akun/password/reset/", {"email": "lupa@example.org"})
    assert Notification.objects.get(recipient="lupa@example.org").kind == "account_password_reset_key"
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset_path = link_in(mail.outbox[0], r"/akun/password/reset/key/[^\s]+/")
    response = client.get(reset_path)
    assert response.status_code == 302  # allauth hides the key from the address bar
    set_password_path = response["Location"]
    new_password = "Kata-Sandi-Baru-77"
    response = client.post(set_password_path, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert client.post("/akun/login/", {"login": "lupa@example.org", "password": PASSWORD}).status_code == 200
    response = client.post("/akun/login/", {"login": "lupa@example.org", "password": new_password})
    assert response["Location"] == "/anggota/"


def test_repeated_wrong_passwords_are_throttled_with_429(client, demo_site):
    make_member("sasaran@example.org")
    for _ in range(5):
        response = client.post("/akun/login/", {"login": "sasaran@example.org", "password": "salah"})
        assert response.status_code == 200
    response = client.post("/akun/login/", {"login": "sasaran@example.org", "password": "salah"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Terlalu banyak percobaan" in html
    assert 'class="site-header"' in html
    # Even the right password waits until the limit has passed.
    response = client.post("/akun/login/", {"login": "sasaran@example.org", "password": PASSWORD})
    assert response.status_code == 429


def test_members_never_reach_the_wagtail_admin(client, member):
    client.post("/akun/login/", {"login": "siti@example.org", "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302  # refused: no admin access
    assert response["Location"].startswith("/akun/login/")


def test_staff_log_in_to_the_admin_with_the_same_account(client, coordinator):
    EmailAddress.objects.create(user=coordinator, email=coordinator.email, verified=True, primary=True)
    response = client.post("/akun/login/?next=/admin/", {"login": "koordinator@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
