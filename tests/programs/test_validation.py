"""Editors cannot save a training that makes no sense; the admin says why, in Indonesian."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.test.utils.form_data import querydict_from_html

from core.clock import WIB
from tests.admin_forms import current_days, session_fields, wib_text

pytestmark = pytest.mark.django_db


def errors_of(training) -> dict[str, list[str]]:
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        training.full_clean()
    return caught.value.message_dict


@pytest.fixture
def draft(program):
    from programs.models import TrainingPage

    def make(**fields):
        starts_at = timezone.now() + timedelta(days=10)
        values = {
            "title": "Pelatihan Uji",
            "slug": "pelatihan-uji",
            "summary": "Ringkasan.",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=6),
            "venue_name": "Aula Kantor PC NU Batubara",
            "capacity": 20,
            "path": "00010001000100010099",
            "depth": 5,
        }
        values.update(fields)
        return TrainingPage(**values)

    return make


def test_a_sensible_training_is_valid(draft):
    draft().full_clean()


def test_end_before_start_is_refused(draft):
    training = draft()
    training.ends_at = training.starts_at - timedelta(hours=1)
    assert errors_of(training)["ends_at"] == ["Pelatihan harus selesai setelah dimulai."]


def test_window_closing_after_the_end_is_refused(draft):
    training = draft()
    training.enrollment_closes_at = training.ends_at + timedelta(minutes=1)
    assert errors_of(training)["enrollment_closes_at"] == ["Pendaftaran tidak boleh ditutup setelah pelatihan selesai."]


def test_window_opening_after_closing_is_refused(draft):
    training = draft()
    training.enrollment_closes_at = training.starts_at - timedelta(days=2)
    training.enrollment_opens_at = training.starts_at - timedelta(days=1)
    assert errors_of(training)["enrollment_opens_at"] == ["Pendaftaran harus dibuka sebelum ditutup."]


def test_negative_capacity_is_refused(draft):
    assert "Jumlah kursi tidak boleh negatif." in errors_of(draft(capacity=-1))["capacity"]


def test_minimum_age_above_maximum_is_refused(draft):
    assert errors_of(draft(min_age=40, max_age=18))["max_age"] == [
        "Usia maksimal tidak boleh lebih rendah dari usia minimal."
    ]


def test_database_refuses_negative_capacity_too(make_training):
    from django.db import IntegrityError, transaction

    from programs.models import TrainingPage

    training = make_training()
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingPage.objects.filter(pk=training.pk).update(capacity=-5)


def admin_edit(client, training, days=None, **changes):
    """Publish the training through its edit form; ``days``: its sessions as the editor leaves them
    (start, end, block id; the id empty for a new day), else as they are."""
    url = reverse("wagtailadmin_pages:edit", args=[training.pk])
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    # The StreamField's inputs are drawn by the admin's script, so the page's HTML has none of them.
    if days is None:
        days = current_days(training)
    for name, value in session_fields(days).items():
        data[name] = value
    for name, value in changes.items():
        data[name] = value
    data["action-publish"] = "action-publish"
    return client.post(url, data)


@pytest.fixture
def editor_client(client, demo_site, django_user_model):
    admin = django_user_model.objects.create_superuser(email="editor@example.org", password="x")
    client.force_login(admin)
    return client


def test_admin_refuses_an_end_before_the_start_with_an_indonesian_message(editor_client, make_training):
    training = make_training()
    day = training.days[0]
    response = admin_edit(
        editor_client, training, days=[(wib_text(day.starts_at), wib_text(day.starts_at - timedelta(hours=2)), day.key)]
    )
    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    assert "Sesi harus selesai setelah dimulai." in html
    training.refresh_from_db()
    assert training.ends_at > training.starts_at


def test_admin_refuses_negative_seats_and_a_late_window(editor_client, make_training):
    training = make_training()
    ends = training.ends_at.astimezone(WIB)
    response = admin_edit(
        editor_client,
        training,
        capacity="-3",
        enrollment_closes_at=(ends + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jumlah kursi tidak boleh negatif." in html
    assert "Pendaftaran tidak boleh ditutup setelah pelatihan selesai." in html
    training.refresh_from_db()
    assert training.capacity == 25


def test_admin_publishes_a_good_change_in_wib(editor_client, make_training):
    training = make_training()
    response = admin_edit(
        editor_client, training, days=[("2027-01-16 09:00", "2027-01-16 16:00", training.days[0].key)], capacity="28"
    )
    assert response.status_code == 302
    training.refresh_from_db()
    assert training.starts_at.astimezone(WIB).hour == 9
    assert training.starts_at.astimezone(WIB).date().isoformat() == "2027-01-16"
    assert training.capacity == 28


def test_editors_can_preview_a_training_before_publishing(editor_client, program):
    from programs.models import TrainingPage

    training = TrainingPage.objects.get(slug="tata-rias-untuk-perempuan")
    url = reverse("wagtailadmin_pages:edit", args=[training.pk])
    data = querydict_from_html(editor_client.get(url).content.decode(), form_id="page-edit-form")
    data.update(session_fields(current_days(training)))
    data["title"] = "Judul pratinjau"
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=[training.pk])
    assert editor_client.post(preview_url, data).json()["is_valid"] is True
    response = editor_client.get(preview_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Judul pratinjau" in html
    assert "Khusus perempuan" in html
    assert "Dinas Koperasi dan UMKM Batu Bara" in html  # partners, from the form not the database
