"""What a visitor sees on /program/, the program, each training and the home page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.clock import WIB

pytestmark = pytest.mark.django_db

PROGRAM_URL = "/program/pemberdayaan-umkm-kader/"
DEMO_TRAININGS = [
    "Pelatihan Digital Marketing untuk Pelaku UMKM",
    "Pengolahan Ikan menjadi Abon",
    "Oleh-oleh Kuliner Khas Batu Bara",
    "Tata Rias untuk Perempuan",
]
DEMO_PARTNERS = ["Dinas Koperasi dan UMKM Batu Bara", "BNI", "PTPN 2", "PT Pos Indonesia"]


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def positions(html, titles):
    return [html.index(title) for title in titles]


def test_program_index_lists_upcoming_trainings_soonest_first_with_their_state(client, demo_site):
    html = html_of(client, "/program/")
    assert "Pelatihan yang akan datang" in html
    found = positions(html, DEMO_TRAININGS)
    assert found == sorted(found)
    assert "Pendaftaran dibuka" in html
    assert "Pendaftaran belum dibuka" in html  # make-up: enrollment opens three weeks before
    assert "Pemberdayaan UMKM Kader" in html
    assert 'href="/program/kalender.ics"' in html


def test_program_index_is_in_the_main_menu(client, demo_site):
    html = html_of(client, "/")
    assert 'href="/program/">Program</a>' in html


def test_program_page_shows_goals_description_partners_and_trainings(client, demo_site):
    html = html_of(client, PROGRAM_URL)
    assert "<h1>Pemberdayaan UMKM Kader</h1>" in html
    assert "Tujuan" in html
    assert "rumah kemasan" in html
    assert "Aktif" in html
    for name in DEMO_PARTNERS:
        assert name in html
    assert "Instansi pemerintah" in html and "Bank" in html
    found = positions(html, DEMO_TRAININGS)
    assert found == sorted(found)


@pytest.mark.parametrize(
    "slug",
    [
        "pelatihan-digital-marketing",
        "pengolahan-ikan-menjadi-abon",
        "oleh-oleh-kuliner-khas-batu-bara",
        "tata-rias-untuk-perempuan",
    ],
)
def test_every_demo_training_tells_when_where_who_and_how_many(client, demo_site, slug):
    from programs.models import TrainingPage

    training = TrainingPage.objects.get(slug=slug)
    html = html_of(client, training.url)
    starts = training.starts_at.astimezone(WIB)
    assert f"{starts.day} Desember" in html or f"{starts.day} " in html
    assert re.search(
        r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} \w+ \d{4}, \d\d\.\d\d\u2013\d\d\.\d\d WIB", html
    )
    assert training.venue_name in html
    assert "Siapa yang boleh ikut" in html
    assert f"{training.capacity} kursi" in html
    assert f"Sisa kursi: {training.capacity}" in html or "Pendaftaran belum dibuka" in html
    assert 'id="pendaftaran"' in html  # the place reserved for the enrollment app
    assert f'href="{training.url}kalender.ics"' in html
    assert "Penyelenggara" in html and "Pelatih" in html
    assert "Dinas Koperasi dan UMKM Batu Bara" in html
    assert 'href="/program/pemberdayaan-umkm-kader/"' in html  # back to the program


def test_women_only_training_says_so_in_plain_indonesian(client, demo_site):
    html = html_of(client, PROGRAM_URL + "tata-rias-untuk-perempuan/")
    assert "Khusus perempuan" in html
    assert "Usia minimal 17 tahun" in html
    assert "Pendaftaran belum dibuka" in html
    assert "Pendaftaran dibuka pada" in html


def test_district_rule_lists_the_districts(client, demo_site):
    html = html_of(client, PROGRAM_URL + "pengolahan-ikan-menjadi-abon/")
    assert "Kecamatan: Lima Puluh Pesisir, Medang Deras" in html


def test_training_page_shows_the_state_of_enrollment_around_opening(client, make_training):
    soon = make_training(enrollment_opens_at=timezone.now() + timedelta(minutes=1))
    assert "Pendaftaran belum dibuka" in html_of(client, soon.url)
    opened = make_training(enrollment_opens_at=timezone.now() - timedelta(minutes=1))
    html = html_of(client, opened.url)
    assert "Pendaftaran dibuka" in html and "Sisa kursi: 25" in html


def test_training_page_shows_closed_and_no_online_enrollment(client, make_training):
    now = timezone.now()
    closed = make_training(enrollment_closes_at=now - timedelta(minutes=1))
    assert "Pendaftaran ditutup" in html_of(client, closed.url)
    offline = make_training(capacity=0)
    html = html_of(client, offline.url)
    assert "Tidak ada pendaftaran daring" in html
    assert "Sisa kursi" not in html


def test_cancelled_training_shows_its_reason(client, make_training):
    training = make_training(status="cancelled", status_reason="Aula dipakai untuk kegiatan banjir.")
    html = html_of(client, training.url)
    assert "Pelatihan ini dibatalkan." in html
    assert "Aula dipakai untuk kegiatan banjir." in html
    assert "Pelatihan dibatalkan" in html
    assert "Sisa kursi" not in html
    listing = html_of(client, "/program/")
    assert training.title in listing and "Pelatihan dibatalkan" in listing


def test_postponed_training_shows_its_reason(client, make_training):
    training = make_training(status="postponed", status_reason="Menunggu jadwal narasumber.")
    html = html_of(client, training.url)
    assert "Pelatihan ini ditunda." in html
    assert "Menunggu jadwal narasumber." in html


def test_past_trainings_leave_the_upcoming_lists(client, make_training):
    past = make_training(starts_at=timezone.now() - timedelta(days=3))
    assert past.title not in html_of(client, "/program/")
    assert past.title not in html_of(client, "/")
    program_html = html_of(client, PROGRAM_URL)
    assert "Pelatihan yang sudah lewat" in program_html and past.title in program_html


def test_home_page_lists_upcoming_trainings_and_partners(client, demo_site):
    html = html_of(client, "/")
    assert "Pelatihan yang akan datang" in html
    # four at most, soonest first
    found = positions(html, DEMO_TRAININGS)
    assert found == sorted(found)
    assert "Pendaftaran dibuka" in html
    assert "Mitra kami" in html
    for name in DEMO_PARTNERS:
        assert name in html


def test_english_visitors_read_english(client, demo_site):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = html_of(client, PROGRAM_URL + "tata-rias-untuk-perempuan/")
    assert "Women only" in html and "Who may join" in html


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        html_of(client, url)
    return len(queries)


@pytest.mark.parametrize("url", ["/program/", "/", PROGRAM_URL])
def test_listings_keep_a_constant_query_count(client, program, make_training, url):
    from programs.models import TrainingPage

    for _ in range(3):
        make_training()
    client.get(url)  # warm per-process caches (site root paths, content types)
    few = count_queries(client, url)
    for _ in range(27):
        make_training(gender="women")
    many = count_queries(client, url)
    assert TrainingPage.objects.count() == 4 + 30  # the demo's four and ours
    assert many == few
