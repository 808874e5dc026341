"""Import of existing members from a spreadsheet (CSV or XLSX with a header row).

Used by ``manage.py import_members FILE`` and by the admin upload page. Every row is
validated first; bad rows are reported with their row number (as the spreadsheet
shows it, the header being row 1) and skipped. Rows whose email or phone already
belongs to a member are skipped too, so a second run imports nothing new. The
valid rows are written in one transaction with bulk inserts, and each new member
gets an invitation (through the outbox) to set a password.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from home.models import District
from tasks.outbox import notify

from .accounts import birth_date_validate, email_validate_deliverable, member_language, phone_normalise
from .models import Member, User

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# Header names as branches write them (Indonesian or English), lower-cased, spaces as underscores.
HEADER_ALIASES = {
    "full_name": {"full_name", "nama", "nama_lengkap", "name"},
    "email": {"email", "e-mail", "surel", "alamat_email"},
    "phone": {"phone", "telepon", "no_hp", "nomor_hp", "hp", "whatsapp", "wa", "no_wa", "nomor_telepon"},
    "district": {"district", "kecamatan"},
    "village": {"village", "desa", "kelurahan", "desa/kelurahan"},
    "gender": {"gender", "jenis_kelamin", "jk", "sex"},
    "birth_date": {"birth_date", "tanggal_lahir", "tgl_lahir", "date_of_birth"},
    "cadre_level": {"cadre_level", "jenjang_kaderisasi", "jenjang", "kaderisasi"},
    "member_number": {"member_number", "nomor_anggota", "no_anggota", "nia"},
    "occupation": {"occupation", "pekerjaan"},
    "business_name": {"business_name", "nama_usaha", "usaha"},
    "business_sector": {"business_sector", "bidang_usaha", "sektor_usaha"},
}
REQUIRED_COLUMNS = ("full_name", "email")
GENDERS = {
    "l": Member.Gender.MALE,
    "laki-laki": Member.Gender.MALE,
    "laki laki": Member.Gender.MALE,
    "pria": Member.Gender.MALE,
    "male": Member.Gender.MALE,
    "m": Member.Gender.MALE,
    "p": Member.Gender.FEMALE,
    "perempuan": Member.Gender.FEMALE,
    "wanita": Member.Gender.FEMALE,
    "female": Member.Gender.FEMALE,
    "f": Member.Gender.FEMALE,
}
CADRE_LEVELS = {
    "": Member.CadreLevel.NONE,
    "none": Member.CadreLevel.NONE,
    "belum": Member.CadreLevel.NONE,
    "belum ada": Member.CadreLevel.NONE,
    "pkd": Member.CadreLevel.PKD,
    "pkl": Member.CadreLevel.PKL,
    "pkn": Member.CadreLevel.PKN,
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")

Progress = Callable[[int, int], None]


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a row's problem)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class RowError:
    row: int
    reasons: list[str]


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    existing: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    valid: int = 0

    @property
    def would_create(self) -> int:
        return self.valid - self.existing


# -- reading -----------------------------------------------------------------------------------


def _header_key(value) -> str:
    return re.sub(r"\s+", "_", str(value or "").strip().lower())


# Bounds on what an import reads, whatever the file declares (issue 13, finding 5): a 1.6 KB
# XLSX may declare A1:XFD1048576, and a CSV may hold a field of 200,000 characters.
MAX_DATA_ROWS = 10_000
MAX_COLUMNS = 50
MAX_CELL_CHARS = 2_000
MAX_XLSX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(count)d rows: split it into smaller files.") % {"count": MAX_DATA_ROWS}
    )


def _bounded(rows: Iterable) -> list[list]:
    """At most MAX_DATA_ROWS rows after the header, MAX_COLUMNS cells each, none too long."""
    table = []
    for row in rows:
        if len(table) > MAX_DATA_ROWS:
            raise _too_many_rows()
        cells = list(row[:MAX_COLUMNS])
        if any(isinstance(cell, str) and len(cell) > MAX_CELL_CHARS for cell in cells):
            raise ImportFileError(
                _("Row %(row)d has a cell longer than %(count)d characters.")
                % {"row": len(table) + 1, "count": MAX_CELL_CHARS}
            )
        table.append(cells)
    return table


def _read_xlsx(file) -> list[list]:
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(file) as archive:
            declared = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(_("The XLSX file cannot be read.")) from error
    if declared > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise ImportFileError(_("The XLSX file is too large once unpacked: split it into smaller files."))
    file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(_("The XLSX file cannot be read.")) from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the declared A1:XFD1048576 means nothing: read the cells there are
        return _bounded(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS))
    except ImportFileError:
        raise
    except Exception as error:  # a sheet whose XML openpyxl cannot follow
        raise ImportFileError(_("The XLSX file cannot be read.")) from error
    finally:
        workbook.close()


def _read_table(file, filename: str) -> list[list]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(file)
    if name.endswith(".csv"):
        raw = file.read()
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raw = raw.decode("latin-1")
        try:
            dialect = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            return _bounded(csv.reader(io.StringIO(raw), dialect))
        except csv.Error as error:  # a field over csv.field_size_limit(), a NUL byte ...
            raise ImportFileError(
                _("The CSV file cannot be read: a cell is longer than %(count)d characters or malformed.")
                % {"count": MAX_CELL_CHARS}
            ) from error
    raise ImportFileError(_("Upload a CSV or XLSX file."))


def read_rows(file, filename: str) -> list[tuple[int, dict]]:
    """(row number, {field: value}) for each non-empty data row."""
    table = _read_table(file, filename)
    if not table:
        raise ImportFileError(_("The file is empty."))
    columns = {}
    for index, heading in enumerate(table[0]):
        key = _header_key(heading)
        for field_name, aliases in HEADER_ALIASES.items():
            if key in aliases:
                columns.setdefault(field_name, index)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(_("The header row lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any(value not in (None, "") and str(value).strip() for value in values):
            continue
        rows.append((number, {name: values[index] if index < len(values) else None for name, index in columns.items()}))
    return rows


# -- validation --------------------------------------------------------------------------------


# Control characters (C0, DEL, C1): NUL, which PostgreSQL refuses in text, line breaks, tabs.
CONTROL_TO_SPACE = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], " ")


def _text(value) -> str:
    """A cell as one line of text: control characters become spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).translate(CONTROL_TO_SPACE).strip()


def _parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("date of birth “%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY)") % {"value": text})


def validate_row(values: dict, districts: dict[str, District]) -> tuple[dict, list[str]]:
    """The member's fields, and the reasons the row is refused (empty when valid)."""
    reasons = []
    data = {}
    data["full_name"] = _text(values.get("full_name"))[:150]
    if not data["full_name"]:
        reasons.append(_("name is missing"))
    email = _text(values.get("email")).lower()
    try:
        validate_email(email)
        email_validate_deliverable(value=email)
        data["email"] = email
    except ValidationError:
        reasons.append(_("email “%(value)s” is not valid") % {"value": email} if email else _("email is missing"))
    phone = _text(values.get("phone"))
    try:
        data["phone"] = phone_normalise(value=phone)
    except ValidationError:
        reasons.append(_("phone “%(value)s” is not a valid number") % {"value": phone})
    district_name = _text(values.get("district"))
    data["district"] = None
    if district_name:
        data["district"] = districts.get(district_name.lower())
        if data["district"] is None:
            reasons.append(_("district “%(value)s” is not a district of Batu Bara") % {"value": district_name})
    gender = _text(values.get("gender")).lower()
    data["gender"] = ""
    if gender:
        data["gender"] = GENDERS.get(gender, "")
        if not data["gender"]:
            reasons.append(_("gender “%(value)s” is not L/P") % {"value": gender})
    try:
        data["birth_date"] = _parse_date(values.get("birth_date"))
        birth_date_validate(value=data["birth_date"])
    except ValidationError as error:
        data["birth_date"] = None
        reasons.append(" ".join(str(message) for message in error.messages))
    level = _text(values.get("cadre_level")).lower()
    if level not in CADRE_LEVELS:
        reasons.append(_("cadre level “%(value)s” is not one of PKD, PKL, PKN") % {"value": level})
    data["cadre_level"] = CADRE_LEVELS.get(level, Member.CadreLevel.NONE)
    for name, limit in (
        ("village", 100),
        ("member_number", 50),
        ("occupation", 100),
        ("business_name", 150),
        ("business_sector", 100),
    ):
        data[name] = _text(values.get(name))[:limit]
    return data, reasons


# -- the import --------------------------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_members(
    *, file, filename: str, dry_run: bool = False, by: User | None = None, progress: Progress | None = None
) -> ImportResult:
    """Validate every row, then (unless a dry run) create the new members in one transaction."""
    rows = read_rows(file, filename)
    result = ImportResult(total=len(rows), dry_run=dry_run)
    districts = {district.name.lower(): district for district in District.objects.all()}
    districts.update({district.slug.lower(): district for district in District.objects.all()})
    valid: list[tuple[int, dict]] = []
    seen_emails: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    step = max(len(rows) // 100, 1)
    for done, (number, values) in enumerate(rows, start=1):
        data, reasons = validate_row(values, districts)
        email, phone = data.get("email"), data.get("phone")
        if email and email in seen_emails:
            reasons.append(_("same email as row %(row)d") % {"row": seen_emails[email]})
        if phone and phone in seen_phones:
            reasons.append(_("same phone as row %(row)d") % {"row": seen_phones[phone]})
        if reasons:
            result.errors.append(RowError(number, reasons))
        else:
            seen_emails[email] = number
            if phone:
                seen_phones[phone] = number
            valid.append((number, data))
        if progress and (done % step == 0 or done == len(rows)):
            progress(done, len(rows))
    result.valid = len(valid)

    # Already members (by email or by phone): skipped, which makes a second run harmless.
    existing_emails, existing_phones = set(), set()
    for chunk in _chunks([data["email"] for _number, data in valid], 500):
        existing_emails.update(
            email.lower() for email in User.objects.filter(email__in=chunk).values_list("email", flat=True)
        )
    for chunk in _chunks([data["phone"] for _number, data in valid if data["phone"]], 500):
        existing_phones.update(Member.objects.filter(phone__in=chunk).values_list("phone", flat=True))
    new = [
        data
        for _number, data in valid
        if data["email"] not in existing_emails and not (data["phone"] and data["phone"] in existing_phones)
    ]
    result.existing = len(valid) - len(new)
    if dry_run or not new:
        return result
    result.created = _create(new, by=by)
    return result


@transaction.atomic
def _create(rows: list[dict], *, by: User | None) -> int:
    now = timezone.now()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(email=data["email"], password=unusable, is_active=True) for data in rows], batch_size=500
    )
    by_email = {user.email: user for user in users}
    if any(user.pk is None for user in users):  # a backend without RETURNING
        by_email = dict(User.objects.filter(email__in=list(by_email)).values_list("email", "pk"))
        by_email = {email: User(pk=pk, email=email, password=unusable) for email, pk in by_email.items()}
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=by_email[data["email"]], email=data["email"], verified=True, primary=True) for data in rows],
        batch_size=500,
    )
    Member.objects.bulk_create(
        [
            Member(
                user=by_email[data["email"]],
                status=Member.Status.ACTIVE,
                verified_by=by,
                verified_at=now,
                **{key: value for key, value in data.items() if key != "email"},
            )
            for data in rows
        ],
        batch_size=500,
    )
    for data in rows:
        invite(user=by_email[data["email"]], full_name=data["full_name"])
    return len(rows)


def invite(*, user: User, full_name: str) -> None:
    """The invitation to set a password: allauth's password-reset link, through the outbox."""
    key = default_token_generator.make_token(user)
    url = settings.SITE_URL + reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
    )
    language = member_language(member=Member.objects.filter(user=user).first())
    with translation.override(language):
        notify(
            kind="member_invitation",
            recipient=user.email,
            template="members/email/invitation",
            context={"recipient_name": full_name, "set_password_url": url, "site_url": settings.SITE_URL},
            language=language,
            idempotency_key=f"member-invitation-{user.pk}",
            secret=True,  # the link sets the account's password
        )
