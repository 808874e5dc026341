"""Reminder rules per training (issue 17): three days before asking "Hadir?", and the morning of the day.

Each rule once per enrollment (a database constraint), never for an enrollment confirmed after
the rule's moment, never to someone no longer confirmed; the .ics carries alarms.
"""

import re
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from core.clock import WIB
from members import enrollment as service
from members.models import Enrollment, Reminder
from members.reminders import send_reminders
from programs.ical import build_calendar
from tasks import outbox
from tasks.models import Notification
from tests.people import JUMAT, NURAINI

pytestmark = pytest.mark.django_db

START = datetime(2030, 3, 10, 9, 0, tzinfo=WIB)  # a Sunday morning
ASKED = datetime(2030, 3, 7, 8, 0, tzinfo=WIB)  # three days before, 08.00 WIB
MORNING = datetime(2030, 3, 10, 6, 0, tzinfo=WIB)
LINK = re.compile(r"https?://[^\s\"<>]+?(/anggota/(?:hadir|berhalangan)/[A-Za-z0-9_-]+/)")


def reminders_of(email):
    return list(Notification.objects.filter(kind="training_reminder", recipient=email).order_by("pk"))


def test_each_rule_once_per_enrollment_and_never_for_an_enrollment_made_after_its_moment(
    make_training, make_person, make_active_member
):
    training = make_training(starts_at=START, title="Kopi & Kue: Pemasaran Digital")
    early = service.enroll(member=make_person(NURAINI), training=training, now=ASKED - timedelta(days=5))
    late = service.enroll(member=make_person(JUMAT), training=training, now=ASKED + timedelta(days=1))
    Enrollment.objects.create(member=make_active_member(), training=training, status="waitlisted")

    assert send_reminders(now=ASKED - timedelta(minutes=1)) == 0
    assert send_reminders(now=ASKED) == 1
    assert send_reminders(now=ASKED + timedelta(minutes=15)) == 0  # the job again: nothing more
    [asked] = reminders_of(NURAINI.email)
    assert reminders_of(JUMAT.email) == []  # enrolled after the moment: had its confirmation just then
    message = outbox.rendered(asked)
    assert message.subject == "Hadir? Kopi & Kue: Pemasaran Digital"
    assert "3 hari lagi" in message.body_text
    assert {path.split("/")[2] for path in LINK.findall(message.body_text)} == {"hadir", "berhalangan"}
    assert asked.secret  # the links answer without a login

    assert send_reminders(now=MORNING) == 2
    assert send_reminders(now=MORNING + timedelta(minutes=15)) == 0
    assert len(reminders_of(NURAINI.email)) == 2 and len(reminders_of(JUMAT.email)) == 1
    assert outbox.rendered(reminders_of(JUMAT.email)[0]).subject == "Hari ini: Kopi & Kue: Pemasaran Digital"
    assert send_reminders(now=START + timedelta(minutes=1)) == 0

    with pytest.raises(IntegrityError), transaction.atomic():  # once per (rule, enrollment): the database's rule
        Reminder.objects.create(enrollment=early, rule=Reminder.Rule.DAYS_BEFORE, moment=ASKED, sent_at=ASKED)
    assert late.reminders.count() == 1


def test_nobody_no_longer_confirmed_is_reminded_and_a_training_without_rules_reminds_nobody(make_training, make_person):
    training = make_training(starts_at=START)
    nuraini = service.enroll(member=make_person(NURAINI), training=training, now=ASKED - timedelta(days=5))
    service.cancel(enrollment=nuraini, now=ASKED - timedelta(days=1))
    quiet = make_training(starts_at=START, reminder_days_before=0, reminder_on_the_day=False)
    service.enroll(member=make_person(JUMAT), training=quiet, now=ASKED - timedelta(days=5))
    assert send_reminders(now=ASKED) == 0 and send_reminders(now=MORNING) == 0
    assert not Notification.objects.filter(kind="training_reminder").exists()


def test_the_answers_to_hadir_are_recorded_for_the_coordinators(make_training, make_person):
    training = make_training(starts_at=START)
    nuraini = service.enroll(member=make_person(NURAINI), training=training, now=ASKED - timedelta(days=5))
    jumat = service.enroll(member=make_person(JUMAT), training=training, now=ASKED - timedelta(days=5))
    send_reminders(now=ASKED)
    paths = {
        email: {path.split("/")[2]: path for path in LINK.findall(outbox.rendered(row).body_text)}
        for email in (NURAINI.email, JUMAT.email)
        for row in reminders_of(email)
    }
    phone = Client(enforce_csrf_checks=True)
    yes = paths[NURAINI.email]["hadir"]
    assert 'type="submit"' in phone.get(yes).content.decode()
    assert nuraini.reminders.get().answer == ""  # opening the link changed nothing
    assert "akan hadir" in phone.post(yes).content.decode()
    assert nuraini.reminders.get().answer == Reminder.Answer.YES

    phone.post(paths[JUMAT.email]["berhalangan"])  # "Saya berhalangan" answers the question too
    jumat.refresh_from_db()
    assert jumat.status == "cancelled" and jumat.reminders.get().answer == Reminder.Answer.ABSENT


def test_the_calendar_file_reminds_a_day_and_two_hours_before(make_training):
    training = make_training(starts_at=START)
    text = build_calendar([training], request=None, name=training.title).to_ical().decode()
    assert text.count("BEGIN:VALARM") == 2
    assert "TRIGGER:-P1D" in text and "TRIGGER:-PT2H" in text and "ACTION:DISPLAY" in text
