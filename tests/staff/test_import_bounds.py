"""Issue 13, finding 5: an import file cannot crash the import or exhaust the server's memory.

A 1.6 KB XLSX that declares A1:XFD1048576 with a cell in the last row used to make the
reader build a million rows of 16,384 cells (MemoryError, 500); a CSV field of 200,000
characters raised an uncaught ``csv.Error`` (500). Both now get a clear message and a
400 through the admin, and the service refuses them with the same message.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from members import imports
from members.models import Member

pytestmark = pytest.mark.django_db

HEADER = ["nama_lengkap", "email", "telepon", "kecamatan"]


def far_cell_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["Nur'aini Siregar", "nuraini.impor@example.org", "0812-6123-4501", "Talawi"])
    sheet["XFD1048576"] = "x"  # the sheet now declares A1:XFD1048576
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bomb_xlsx() -> bytes:
    """A valid workbook whose sheet XML unpacks to far more than any member list."""
    source = io.BytesIO(far_cell_xlsx())
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b"<!--" + b" " * (60 * 1024 * 1024) + b"--></worksheet>")
            bomb.writestr(item.filename, data)
    return out.getvalue()


def long_field_csv() -> bytes:
    return (",".join(HEADER) + "\n" + "Jum'at," + "a" * 200_000 + "@example.org,0812,Talawi\n").encode()


CASES = {
    "far cell": ("anggota.xlsx", far_cell_xlsx, "10000"),
    "zip bomb": ("anggota.xlsx", bomb_xlsx, "terlalu besar"),
    "long field": ("anggota.csv", long_field_csv, "2000"),
}


def test_the_far_cell_file_is_small(demo_site):
    assert len(far_cell_xlsx()) < 10_000  # what makes it an attack: tiny upload, huge declared sheet


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_gets_a_message_not_a_500(coordinator_client, case):
    name, make, words = CASES[case]
    response = coordinator_client.post(reverse("members_import"), {"file": SimpleUploadedFile(name, make())})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Member.objects.filter(full_name__in=["Nur'aini Siregar", "Jum'at"]).exists()


@pytest.mark.parametrize("case", CASES)
def test_the_service_refuses_them_too(demo_site, case):
    name, make, _words = CASES[case]
    with pytest.raises(imports.ImportFileError):
        imports.read_rows(io.BytesIO(make()), name)


def test_rows_and_columns_are_bounded(demo_site):
    wide = ",".join(HEADER + [f"kolom{i}" for i in range(100)]) + "\n"
    rows = "".join(f"Kader {i},kader{i}@example.org,0812{i:07d},Talawi\n" for i in range(imports.MAX_DATA_ROWS))
    assert len(imports.read_rows(io.BytesIO((wide + rows).encode()), "a.csv")) == imports.MAX_DATA_ROWS
    with pytest.raises(imports.ImportFileError, match="10000"):
        imports.read_rows(io.BytesIO((wide + rows + "Satu Lagi,lagi@example.org,,Talawi\n").encode()), "a.csv")
