"""The staff actions' table (members.admin.bulk_actions.STAFF_ACTIONS) and what the listings show agree.

Every action of the table is a button on a row it applies to, for a role holding its
permission, and leads to its confirmation page; a role that may see the rows but lacks the
permission gets no such button. A label is written once, in the table: the button, the
bulk bar and the confirmation page all say the same.
"""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from members.admin.bulk_actions import STAFF_ACTIONS
from members.models import Enrollment, Member
from members.permissions import VIEW_ENROLLMENT, VIEW_MEMBER, codename

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(demo_site, django_user_model):
    """Staff who may read members and participants, and act on none of them (a client of their own)."""
    user = django_user_model.objects.create_user(email="pengamat@example.org", password="x")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(
            content_type__app_label="members", codename__in=[codename(VIEW_MEMBER), codename(VIEW_ENROLLMENT)]
        ),
    )
    client = Client()
    client.force_login(user)
    return client


def row_for(action, *, make_active_member, make_training, place):
    """A row in a state the action applies to and offers its button for."""
    if action.model is Member:
        status = next(s for s in Member.Status.values if s not in action.no_button_for)
        return make_active_member(status=status)
    status = next(s for s in action.applies_to if s not in action.no_button_for)
    training = make_training(requires_approval=status == Enrollment.Status.PENDING, capacity=5)
    return place(training, status)


def listing_of(row) -> str:
    if isinstance(row, Member):
        return reverse("wagtailsnippets_members_member:list") + f"?q={row.full_name.split()[-1]}"
    return reverse("wagtailsnippets_members_enrollment:list") + f"?training={row.training_id}"


def button_href(action, row) -> str:
    model = row._meta.model_name
    return f"/admin/bulk/members/{model}/{action.action_type}/?id={row.pk}"


@pytest.mark.parametrize("action", [a for a in STAFF_ACTIONS if a.row_button], ids=lambda a: a.action_type)
def test_each_action_of_the_table_is_a_button_for_those_with_its_permission(
    action, coordinator_client, viewer_client, make_active_member, make_training, place
):
    row = row_for(action, make_active_member=make_active_member, make_training=make_training, place=place)

    response = coordinator_client.get(listing_of(row))
    assert response.status_code == 200
    page = response.content.decode()
    assert button_href(action, row) in page
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        label, question = escape(str(action.label)), escape(str(action.question))
    assert label in page

    # The button leads to the action's confirmation page, which names the row and asks the table's question.
    confirmation = coordinator_client.get(button_href(action, row)).content.decode()
    assert label in confirmation
    assert question in confirmation

    # Who may only look sees the same row without the action.
    response = viewer_client.get(listing_of(row))
    assert response.status_code == 200
    person = row if isinstance(row, Member) else row.member
    assert escape(person.full_name) in response.content.decode()
    assert button_href(action, row) not in response.content.decode()


def test_a_row_offers_no_action_that_would_change_nothing(coordinator_client, make_active_member):
    """Verify is not offered to a verified member, suspend not to a suspended one."""
    active, suspended = make_active_member(), make_active_member(status=Member.Status.SUSPENDED)
    verify, suspend = (next(a for a in STAFF_ACTIONS if a.action_type == name) for name in ("verify", "suspend"))
    page = coordinator_client.get(reverse("wagtailsnippets_members_member:list")).content.decode()
    assert button_href(suspend, active) in page
    assert button_href(verify, active) not in page
    assert button_href(verify, suspended) in page
    assert button_href(suspend, suspended) not in page


def test_attendance_is_a_bulk_action_and_a_row_check_in_not_a_second_button(
    coordinator_client, viewer_client, make_training, place
):
    (attended,) = (a for a in STAFF_ACTIONS if a.action_type == "attended")
    row = place(make_training(), "confirmed")
    page = coordinator_client.get(listing_of(row)).content.decode()
    assert button_href(attended, row) not in page
    assert f"/admin/checkin/{row.token}/?next=" in page
    assert f"/admin/bulk/members/enrollment/{attended.action_type}/" in page  # the bulk bar
    assert f"/admin/checkin/{row.token}/" not in viewer_client.get(listing_of(row)).content.decode()
