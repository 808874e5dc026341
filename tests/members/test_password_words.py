"""The account pages say "Kata sandi", as the rest of the portal (issue 14, item 14).

allauth's, Django's and Wagtail's Indonesian catalogues say "Kata Kunci", "Sandi anda" and
"mengkonfirmasi"; the portal's catalogue overrides them. Read on the rendered pages.
"""

import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

from members.imports import invite
from tests.people import KHADIJAH

pytestmark = pytest.mark.django_db

WRONG = ("Kata Kunci", "Sandi anda", "sandi anda", "mengkonfirmasi", "Password")


def page_text(response) -> str:
    assert response.status_code == 200
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_words(text: str) -> None:
    assert "Kata sandi" in text
    for wrong in WRONG:
        assert wrong not in text, wrong


def reset_url(user) -> str:
    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


def test_login_sign_up_and_reset_pages_say_kata_sandi(client, demo_site):
    for url in ("/akun/login/", "/akun/signup/"):
        assert_words(page_text(client.get(url)))
    reset = page_text(client.get("/akun/password/reset/"))
    assert "kata sandi" in reset.lower() and not any(wrong in reset for wrong in WRONG)


def test_password_change_and_set_pages_say_kata_sandi(client, roles):
    client.force_login(roles.member)
    assert_words(page_text(client.get("/akun/password/change/")))
    roles.member.set_unusable_password()
    roles.member.save()
    client.force_login(roles.member)
    assert_words(page_text(client.get("/akun/password/set/")))


def test_a_reset_link_changes_and_an_invitation_creates_the_password(client, roles, django_user_model):
    reset = page_text(client.get(reset_url(roles.member), follow=True))
    assert_words(reset)
    assert "Ubah Kata Sandi" in reset

    # An imported member's invitation: the same page, for someone who has no password yet.
    imported = django_user_model.objects.create_user(email=KHADIJAH.email, password=None)
    invite(user=imported, full_name=KHADIJAH.full_name)
    invitation = page_text(client.get(reset_url(imported), follow=True))
    assert_words(invitation)
    assert "Buat kata sandi" in invitation and "Ubah" not in invitation


def test_confirming_an_email_address_says_mengonfirmasi(client, demo_site, django_user_model):
    user = django_user_model.objects.create_user(email="jumat.baru@example.org", password="Kader-Ansor-2024!")
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    key = EmailConfirmationHMAC(address).key
    response = client.post(reverse("account_confirm_email", args=[key]), follow=True)
    text = page_text(response)
    assert "Anda telah mengonfirmasi jumat.baru@example.org" in text
    assert "mengkonfirmasi" not in text


def test_after_creating_the_password_the_page_leads_to_the_log_in(client, demo_site, django_user_model):
    """An invited member set a password and landed on "Ubah Kata Sandi" with no way on (no log-in link)."""
    imported = django_user_model.objects.create_user(email=KHADIJAH.email, password=None)
    form_page = client.get(reset_url(imported), follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_url(imported),
        {"password1": "Kader-Ansor-2024!", "password2": "Kader-Ansor-2024!"},
        follow=True,
    )
    text = page_text(done)
    assert "Kata sandi Anda tersimpan" in text and "Ubah Kata Sandi" not in text
    assert f'href="{reverse("account_login")}"' in done.content.decode()
    imported.refresh_from_db()
    assert imported.has_usable_password() and imported.check_password("Kader-Ansor-2024!")
