"""One login for everyone (issue 13, finding 2): the admin logs in through allauth.

Wagtail's own /admin/login/ had no rate limit and no email verification, and its
/admin/password_reset/ sent mail past the outbox. Each test attacks over HTTP as the
audit did, with real roles.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tasks.models import Notification
from tests.people import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_wrong_passwords_then_the_right_one_at_the_old_admin_login_log_nobody_in(client, roles):
    email = roles.superuser.email
    for _ in range(25):
        response = client.post("/admin/login/", {"username": email, "password": "tebak-tebak"})
        assert response.status_code in (302, 303)
    response = client.post("/admin/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 303
    assert response["Location"] == "/akun/login/?next=%2Fadmin%2F"
    assert logged_in_as(client) is None
    assert client.get("/admin/")["Location"] == "/akun/login/?next=/admin/"


@pytest.mark.parametrize("role", ["editor", "coordinator", "superuser", "member"])
def test_the_right_password_posted_to_the_old_admin_login_logs_nobody_in(client, roles, role):
    user = getattr(roles, role)
    response = client.post("/admin/login/?next=/admin/pages/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 303
    assert response["Location"] == "/akun/login/?next=%2Fadmin%2Fpages%2F"
    assert logged_in_as(client) is None
    assert client.get("/anggota/").status_code == 302


def test_the_old_admin_login_page_sends_visitors_to_allauth_keeping_next(client, demo_site):
    response = client.get("/admin/login/?next=/admin/pages/3/")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {"next": ["/admin/pages/3/"]}
    assert urlsplit(response["Location"]).path == "/akun/login/"
    # Somewhere else is not a destination: back to the admin's home.
    response = client.get("/admin/login/?next=https://penipu.example/")
    assert response["Location"] == "/akun/login/?next=%2Fadmin%2F"


def test_the_admin_sends_logged_out_visitors_to_allauths_login(client, demo_site):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/akun/login/?next=/admin/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'name="login"' in page.content.decode()


def test_staff_log_in_through_allauth_and_arrive_in_the_admin(client, roles):
    response = client.post("/akun/login/?next=/admin/", {"login": roles.editor.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_allauths_limit_on_wrong_passwords_holds_for_the_superuser(client, roles):
    email = roles.superuser.email
    for _ in range(5):
        assert client.post("/akun/login/", {"login": email, "password": "tebak-tebak"}).status_code == 200
    response = client.post("/akun/login/?next=/admin/", {"login": email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.content.decode()
    assert logged_in_as(client) is None
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("group", ["Editor", "Koordinator", None])
def test_an_unverified_account_reaches_neither_the_admin_nor_the_member_area(
    client, demo_site, django_user_model, group
):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(email="belum.verifikasi@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    response = client.post("/akun/login/?next=/admin/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/akun/confirm-email/"
    client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert logged_in_as(client) is None
    assert client.get("/admin/")["Location"].startswith("/akun/login/")
    assert client.get("/anggota/")["Location"].startswith("/akun/login/")


def test_a_superuser_made_with_createsuperuser_is_asked_to_verify_the_address_first(
    client, demo_site, django_user_model, django_capture_on_commit_callbacks
):
    # manage.py createsuperuser writes no allauth EmailAddress row (README "Security").
    django_user_model.objects.create_superuser(email="ketua.baru@example.org", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/akun/login/?next=/admin/", {"login": "ketua.baru@example.org", "password": PASSWORD})
    assert response["Location"] == "/akun/confirm-email/"
    assert logged_in_as(client) is None
    assert Notification.objects.filter(recipient="ketua.baru@example.org", kind="account_email_confirmation").exists()


@pytest.mark.parametrize(
    "path", ["/admin/password_reset/", "/admin/password_reset/done/", "/admin/password_reset/confirm/MQ/abc-def/"]
)
def test_wagtails_password_reset_is_gone_and_sends_nothing(client, roles, path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"email": roles.superuser.email})
    assert response.status_code == 303 and response["Location"] == "/akun/password/reset/"
    assert client.get(path)["Location"] == "/akun/password/reset/"
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_member_sent_to_the_admin_lands_on_the_dashboard_without_a_loop(client, roles):
    client.post("/akun/login/", {"login": roles.member.email, "password": PASSWORD})
    response = client.get("/admin/")
    assert response["Location"] == "/akun/login/?next=/admin/"
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == "/anggota/"
    # ...and logging in again with that next does not bounce either.
    client.logout()
    response = client.post(
        "/akun/login/?next=/admin/", {"login": roles.member.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/anggota/"
    assert "Anda tidak memiliki izin untuk mengakses halaman admin" in response.content.decode()
