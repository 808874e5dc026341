"""The pure rules of programs.schedule: enrollment state at its edges, eligibility in words, WIB dates."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from programs.schedule import (
    WIB,
    CadreLevel,
    EnrollmentState,
    Gender,
    TrainingStatus,
    eligibility_lines,
    enrollment_state,
    format_wib,
    format_wib_range,
)

MINUTE = timedelta(minutes=1)
OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
CLOSES = datetime(2026, 12, 10, 17, 0, tzinfo=WIB)
STARTS = datetime(2026, 12, 12, 9, 0, tzinfo=WIB)


def state_at(now, **overrides):
    values = {
        "status": TrainingStatus.SCHEDULED,
        "capacity": 25,
        "starts_at": STARTS,
        "enrollment_opens_at": OPENS,
        "enrollment_closes_at": CLOSES,
    }
    values.update(overrides)
    return enrollment_state(now=now, **values)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (OPENS - MINUTE, EnrollmentState.NOT_OPEN),
        (OPENS, EnrollmentState.OPEN),
        (OPENS + MINUTE, EnrollmentState.OPEN),
        (CLOSES - MINUTE, EnrollmentState.OPEN),
        (CLOSES, EnrollmentState.CLOSED),
        (CLOSES + MINUTE, EnrollmentState.CLOSED),
        (STARTS + timedelta(days=1), EnrollmentState.CLOSED),
    ],
    ids=[
        "minute-before-opening",
        "opening",
        "minute-after-opening",
        "minute-before-closing",
        "closing",
        "minute-after-closing",
        "after-the-training",
    ],
)
def test_enrollment_window_edges_in_wib(now, expected):
    assert state_at(now) is expected


def test_edges_hold_whatever_zone_the_instant_is_written_in():
    # 09.00 WIB is 02.00 UTC: a minute before that in UTC is still "not open yet".
    assert state_at(datetime(2026, 12, 1, 1, 59, tzinfo=UTC)) is EnrollmentState.NOT_OPEN
    assert state_at(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)) is EnrollmentState.OPEN


def test_window_closes_at_the_start_when_no_closing_time_is_set():
    assert state_at(STARTS - MINUTE, enrollment_closes_at=None) is EnrollmentState.OPEN
    assert state_at(STARTS + MINUTE, enrollment_closes_at=None) is EnrollmentState.CLOSED


def test_window_is_open_from_publication_when_no_opening_time_is_set():
    assert state_at(OPENS - timedelta(days=30), enrollment_opens_at=None) is EnrollmentState.OPEN


@pytest.mark.parametrize("capacity", [0, None])
def test_no_seats_means_no_enrollment_through_the_site(capacity):
    assert state_at(OPENS + MINUTE, capacity=capacity) is EnrollmentState.NO_ONLINE
    assert state_at(OPENS + MINUTE, capacity=capacity).accepts_enrollments is False


def test_cancelled_and_postponed_win_over_the_window():
    assert state_at(OPENS + MINUTE, status=TrainingStatus.CANCELLED) is EnrollmentState.CANCELLED
    assert state_at(OPENS + MINUTE, status=TrainingStatus.CANCELLED, capacity=0) is EnrollmentState.CANCELLED
    assert state_at(OPENS + MINUTE, status=TrainingStatus.POSTPONED) is EnrollmentState.POSTPONED
    assert state_at(OPENS + MINUTE).accepts_enrollments is True


def test_states_have_indonesian_labels():
    with translation.override("id"):
        assert EnrollmentState.OPEN.label == "Pendaftaran dibuka"
        assert EnrollmentState.NOT_OPEN.label == "Pendaftaran belum dibuka"
        assert EnrollmentState.CLOSED.label == "Pendaftaran ditutup"
        assert EnrollmentState.CANCELLED.label == "Pelatihan dibatalkan"


def test_eligibility_in_plain_indonesian():
    with translation.override("id"):
        lines = eligibility_lines(
            gender=Gender.WOMEN,
            district_names=["Talawi", "Tanjung Tiram"],
            min_cadre_level=CadreLevel.PKD,
            min_age=18,
            max_age=35,
        )
        assert lines == [
            "Khusus perempuan",
            "Kecamatan: Talawi, Tanjung Tiram",
            "Minimal kader PKD",
            "Usia 18\N{EN DASH}35 tahun",
        ]
        assert eligibility_lines() == ["Terbuka untuk semua kader"]
        assert eligibility_lines(gender=Gender.MEN, min_age=17) == ["Khusus laki-laki", "Usia minimal 17 tahun"]
        assert eligibility_lines(max_age=40) == ["Usia maksimal 40 tahun"]


def test_dates_in_wib_with_indonesian_names():
    with translation.override("id"):
        # Stored in UTC, shown in WIB.
        assert format_wib(datetime(2026, 12, 12, 2, 0, tzinfo=UTC)) == "Sabtu, 12 Desember 2026, 09.00 WIB"
        assert (
            format_wib_range(STARTS, STARTS + timedelta(hours=7))
            == "Sabtu, 12 Desember 2026, 09.00\N{EN DASH}16.00 WIB"
        )
        assert format_wib_range(STARTS, STARTS + timedelta(days=1)) == (
            "Sabtu, 12 Desember 2026, 09.00 WIB \N{EN DASH} Minggu, 13 Desember 2026, 09.00 WIB"
        )
