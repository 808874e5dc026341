"""The scanner's page and its JSON, as the phone's script asks them: only what check-in needs,
scans applied once, and nothing for those who may not check people in."""

import json
import uuid

import pytest
from django.urls import reverse

from members import enrollment as service
from members.models import Attendance, Member
from programs import sessions
from tests.people import JUMAT, NURAINI

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(make_training, make_person, roles):
    training = make_training(title="Pelatihan Kopi & Kue")
    nuraini = service.enroll(member=Member.objects.get(user=roles.member), training=training)
    service.enroll(member=make_person(JUMAT), training=training)
    return training, sessions.held_sessions(training=training)[0], nuraini


def test_the_coordinator_gets_the_page_the_roster_and_applies_a_batch_once(client, roles, day):
    training, session, nuraini = day
    client.force_login(roles.coordinator)
    page = client.get(reverse("members_scanner", args=[training.pk]))
    assert page.status_code == 200 and "camera=(self)" in page["Permissions-Policy"]
    assert "members/vendor/jsqr/jsQR.js" in page.content.decode()

    roster = client.get(reverse("members_scanner_roster", args=[training.pk, session.pk])).json()
    assert sorted(person["name"] for person in roster["people"]) == sorted([NURAINI.full_name, JUMAT.full_name])
    assert set(roster["people"][0]) == {"enrollment", "token", "name", "district", "walk_in", "attended_at"}
    assert NURAINI.phone_e164 not in json.dumps(roster) and NURAINI.email not in json.dumps(roster)

    batch = {"scans": [{"scan_id": str(uuid.uuid4()), "code": f"http://x/admin/checkin/{nuraini.token}/"}]}
    url = reverse("members_scanner_scans", args=[training.pk, session.pk])
    first = client.post(url, json.dumps(batch), content_type="application/json").json()
    again = client.post(url, json.dumps(batch), content_type="application/json").json()
    assert first["answers"] == again["answers"] and first["answers"][0]["result"] == "checked_in"
    assert again["counts"] == {"expected": 2, "checked_in": 1, "walk_ins": 0}
    assert Attendance.objects.filter(enrollment=nuraini).count() == 1
    bad = client.post(url, "{not json", content_type="application/json")
    assert bad.status_code == 400


def test_an_editor_gets_nothing(client, roles, day):
    training, session, _nuraini = day
    client.force_login(roles.editor)
    assert client.get(reverse("members_scanner", args=[training.pk])).status_code in (302, 403)
    roster = client.get(reverse("members_scanner_roster", args=[training.pk, session.pk]))
    assert roster.status_code in (302, 403) and NURAINI.full_name not in roster.content.decode()
