"""Import of existing members from a spreadsheet (CSV or XLSX with a header row).

Used by ``manage.py import_members FILE`` and by the admin upload page, which checks the
file's bounds at once and leaves the rows to an ImportJob run by a worker
(``members.tasks.run_import_job``). Rows are processed in chunks of CHUNK_ROWS, each
chunk in its own transaction together with the job's progress, so a job shows how far
it is and a job whose worker died resumes after the last chunk written.

Every row gets a result, with its row number as the spreadsheet shows it (the header
being row 1): refused (with the reasons), skipped (its email or phone already belongs
to a member, so a second run imports nothing new), updated (a member without a login,
found by phone, gets the row's email) or created. A new member with an email gets an
invitation (through the outbox) to set a password; a row with only a phone number makes
a verified member without a login, invited once a coordinator adds an email.

Longer than 400 lines on purpose: reading two file formats within bounds, checking each
row (the same rules as the sign-up and profile forms), matching existing members and running
the job in resumable chunks are one pipeline; split, each part would need the others' types.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

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

from core.models import District
from core.spreadsheets import csv_cell
from tasks.outbox import notify

from . import nik as nik_service
from . import numbers, scope
from .accounts import birth_date_validate, email_validate_deliverable, member_language, phone_normalise
from .models import ImportJob, ImportRow, Member, User
from .permissions import IMPORT_MEMBERS

logger = logging.getLogger(__name__)

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
    "nik": {"nik", "no_nik", "nomor_nik", "no_ktp", "nomor_ktp", "nik_ktp"},
    "occupation": {"occupation", "pekerjaan"},
    "business_name": {"business_name", "nama_usaha", "usaha"},
    "business_sector": {"business_sector", "bidang_usaha", "sektor_usaha"},
}
REQUIRED_COLUMNS = ("full_name",)
CONTACT_COLUMNS = ("email", "phone")  # at least one of them
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
    updated: int = 0

    @property
    def would_create(self) -> int:
        return self.created  # in a dry run, what ``created`` counts was not written


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
    if not any(name in columns for name in CONTACT_COLUMNS):
        missing.append(" / ".join(CONTACT_COLUMNS))
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
    data["email"] = ""
    if email:
        try:
            validate_email(email)
            email_validate_deliverable(value=email)
            data["email"] = email
        except ValidationError:
            reasons.append(_("email “%(value)s” is not valid") % {"value": email})
    phone = _text(values.get("phone"))
    try:
        data["phone"] = phone_normalise(value=phone)
    except ValidationError:
        reasons.append(_("phone “%(value)s” is not a valid number") % {"value": phone})
    if not email and not phone:
        reasons.append(_("email and phone are missing (one of them is needed)"))
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
    data["nik"] = ""
    raw_nik = _text(values.get("nik"))
    if raw_nik and nik_service.nik_enabled():
        try:
            data["nik"] = nik_service.nik_validate(value=raw_nik, birth_date=data["birth_date"], gender=data["gender"])
        except ValidationError as error:
            # The reason, never the number itself: the report is read by others and kept 30 days.
            reasons.append(_("NIK: %(reason)s") % {"reason": " ".join(str(m) for m in error.messages)})
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

CHUNK_ROWS = 200  # rows per transaction: a job's progress moves (and a dead worker's job resumes) by this much
Result = ImportRow.Result


@dataclass
class RowOutcome:
    number: int
    full_name: str
    result: str
    reason: str = ""


class _Context:
    """What every chunk of one file needs: the districts, and where each email and phone first occurs."""

    def __init__(self, rows: list[tuple[int, dict]]):
        districts = list(District.objects.all())
        self.districts = {district.name.lower(): district for district in districts}
        self.districts.update({district.slug.lower(): district for district in districts})
        self.first_email: dict[str, int] = {}
        self.first_phone: dict[str, int] = {}
        self.first_member_number: dict[str, int] = {}
        self.first_nik: dict[str, int] = {}
        for number, values in rows:
            email = _text(values.get("email")).lower()
            if email:
                self.first_email.setdefault(email, number)
            member_number = _text(values.get("member_number"))
            if member_number:
                self.first_member_number.setdefault(member_number, number)
            nik = nik_service.nik_normalise(_text(values.get("nik")))
            if nik:
                self.first_nik.setdefault(nik, number)
            try:
                phone = phone_normalise(value=_text(values.get("phone")))
            except ValidationError:
                continue
            if phone:
                self.first_phone.setdefault(phone, number)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _process(rows: list[tuple[int, dict]], context: _Context, *, dry_run: bool, by: User | None) -> list[RowOutcome]:
    """Decide (and unless a dry run, write) every row of one chunk; call inside a transaction."""
    outcomes: dict[int, RowOutcome] = {}
    valid: list[tuple[int, dict]] = []
    districts = scope.districts_of(by) if by is not None else None
    for number, values in rows:
        data, reasons = validate_row(values, context.districts)
        # A sub-branch coordinator imports the members of their own districts only.
        if districts is not None and (data["district"] is None or data["district"].pk not in districts):
            reasons.append(_("the district is not one of your sub-branch's districts"))
        email, phone = data.get("email"), data.get("phone")
        if email and context.first_email.get(email, number) != number:
            reasons.append(_("same email as row %(row)d") % {"row": context.first_email[email]})
        if phone and context.first_phone.get(phone, number) != number:
            reasons.append(_("same phone as row %(row)d") % {"row": context.first_phone[phone]})
        if data.get("nik") and context.first_nik.get(data["nik"], number) != number:
            reasons.append(_("same NIK as row %(row)d") % {"row": context.first_nik[data["nik"]]})
        member_number = data.get("member_number")
        if member_number and context.first_member_number.get(member_number, number) != number:
            reasons.append(_("same member number as row %(row)d") % {"row": context.first_member_number[member_number]})
        if reasons:
            outcomes[number] = RowOutcome(number, data["full_name"], Result.REFUSED, "; ".join(reasons))
        else:
            valid.append((number, data))

    # Already members (by email or by phone): skipped, which makes a second run harmless; a member
    # without a login found by phone gets the row's email (and so an invitation).
    emails = [data["email"] for _number, data in valid if data["email"]]
    taken = {email.lower() for email in User.objects.filter(email__in=emails).values_list("email", flat=True)}
    taken |= {email.lower() for email in EmailAddress.objects.filter(email__in=emails).values_list("email", flat=True)}
    by_phone = {
        member.phone: member
        for member in Member.objects.filter(
            phone__in=[data["phone"] for _number, data in valid if data["phone"]], anonymised_at__isnull=True
        )
    }
    # A member number already held by a member who is not this row's (found by phone) is refused.
    numbers_held = dict(
        Member.objects.filter(
            member_number__in=[data["member_number"] for _number, data in valid if data["member_number"]]
        ).values_list("member_number", "phone")
    )
    # Members found by NIK (its keyed hash: nothing is decrypted): the same person, skipped.
    # Under every key in use: a member not yet rotated to a new key is found too.
    hashes = {number: nik_service.nik_hashes(nik=data["nik"]) for number, data in valid if data["nik"]}
    held = set(
        Member.objects.filter(nik_hash__in=[each for some in hashes.values() for each in some]).values_list(
            "nik_hash", flat=True
        )
    )
    new = []
    for number, data in valid:
        member = by_phone.get(data["phone"]) if data["phone"] else None
        held_by = numbers_held.get(data["member_number"]) if data["member_number"] else None
        if held_by is not None and (not data["phone"] or held_by != data["phone"]) and data["email"] not in taken:
            outcomes[number] = RowOutcome(
                number,
                data["full_name"],
                Result.REFUSED,
                _("member number “%(value)s” already belongs to another member") % {"value": data["member_number"]},
            )
        elif not held.isdisjoint(hashes.get(number, ())):
            outcomes[number] = RowOutcome(number, data["full_name"], Result.SKIPPED, _("already a member (same NIK)"))
        elif data["email"] in taken:
            outcomes[number] = RowOutcome(number, data["full_name"], Result.SKIPPED, _("already a member (same email)"))
        elif (
            member is not None
            and member.user_id is None
            and data["email"]
            and (districts is None or member.district_id in districts)
        ):
            if not dry_run:
                member_email_add(member=member, email=data["email"], by=by)
            outcomes[number] = RowOutcome(
                number, data["full_name"], Result.UPDATED, _("member without a login: email added, invitation sent")
            )
        elif member is not None:
            outcomes[number] = RowOutcome(number, data["full_name"], Result.SKIPPED, _("already a member (same phone)"))
        else:
            reason = "" if data["email"] else _("phone only: a member without a login until an email is added")
            outcomes[number] = RowOutcome(number, data["full_name"], Result.CREATED, reason)
            new.append(data)
    if new and not dry_run:
        _create(new, by=by)
    return [outcomes[number] for number, _values in rows]


def import_members(
    *, file, filename: str, dry_run: bool = False, by: User | None = None, progress: Progress | None = None
) -> ImportResult:
    """Import a whole file here and now (``manage.py import_members``), chunk by chunk."""
    rows = read_rows(file, filename)
    result = ImportResult(total=len(rows), dry_run=dry_run)
    context = _Context(rows)
    done = 0
    for chunk in _chunks(rows, CHUNK_ROWS):
        with transaction.atomic():
            outcomes = _process(chunk, context, dry_run=dry_run, by=by)
        for outcome in outcomes:
            if outcome.result == Result.REFUSED:
                result.errors.append(RowError(outcome.number, outcome.reason.split("; ")))
            elif outcome.result == Result.SKIPPED:
                result.existing += 1
            elif outcome.result == Result.UPDATED:
                result.updated += 1
            else:
                result.created += 1
        done += len(chunk)
        if progress:
            progress(done, len(rows))
    result.valid = result.total - len(result.errors)
    return result


def _users_create(emails: list[str]) -> dict[str, User]:
    """Accounts for these addresses: no usable password yet, the address verified (the invitation proves it)."""
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(email=email, password=unusable, is_active=True) for email in emails], batch_size=500
    )
    by_email = {user.email: user for user in users}
    if any(user.pk is None for user in users):  # a backend without RETURNING
        pks = dict(User.objects.filter(email__in=list(by_email)).values_list("email", "pk"))
        by_email = {email: User(pk=pk, email=email, password=unusable) for email, pk in pks.items()}
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=email, verified=True, primary=True) for email, user in by_email.items()],
        batch_size=500,
    )
    return by_email


@transaction.atomic
def _create(rows: list[dict], *, by: User | None) -> int:
    now = timezone.now()
    by_email = _users_create([data["email"] for data in rows if data["email"]])
    members = [
        Member(
            user=by_email.get(data["email"]),
            status=Member.Status.ACTIVE,
            verified_by=by,
            verified_at=now,
            # Encrypted, with its keyed hash; no consent is recorded for the member (the branch had the number).
            **nik_service.nik_fields(nik=data["nik"], consent=False),
            **{key: value for key, value in data.items() if key not in ("email", "nik")},
        )
        for data in rows
    ]
    # Imported members arrive verified: a number they already have stays, the others get one now.
    numbers.member_numbers_assign(members=members)
    members = Member.objects.bulk_create(members, batch_size=500)
    for member in members:
        if member.user is not None:
            invite(user=member.user, full_name=member.full_name, language=member_language(member=member))
    return len(rows)


def invite(*, user: User, full_name: str, language: str | None = None) -> None:
    """The invitation to set a password: allauth's password-reset link, through the outbox.

    ``language``: the member's, when the caller holds the member (an import: no query per row).
    """
    key = default_token_generator.make_token(user)
    url = settings.SITE_URL + reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
    )
    language = language or member_language(member=Member.objects.filter(user=user).first())
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


# -- members without a login ---------------------------------------------------------------------


def member_email_check(*, email: str) -> str:
    """The address, normalised, if a member without a login may be given it; ValidationError otherwise."""
    email = (email or "").strip().lower()
    validate_email(email)
    email_validate_deliverable(value=email)
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("This email already belongs to an account."), code="email_taken")
    return email


@transaction.atomic
def member_email_add(*, member: Member, email: str, by: User | None) -> User:
    """Give a member without a login (a phone-only import) an account, and invite them to set a password."""
    email = member_email_check(email=email)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.user_id is not None or member.anonymised_at is not None:
        raise ValidationError(_("This member already has a login."), code="has_login")
    user = _users_create([email])[email]
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    invite(user=user, full_name=member.full_name, language=member_language(member=member))
    return user


# -- import jobs -------------------------------------------------------------------------------

# A queued or running job without progress for this long has lost its worker (a chunk takes seconds).
STALLED_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3  # runs of one job (first run and resumptions) before it is marked failed


def import_job_create(*, upload, dry_run: bool, by: User | None) -> ImportJob:
    """Check the file's bounds now (ImportFileError), keep it privately, and record a queued job.

    The caller queues the job (``members.tasks.queue_import_job``) once this commits.
    """
    rows = read_rows(upload, upload.name)
    upload.seek(0)
    job = ImportJob(created_by=by, filename=upload.name[:255], dry_run=dry_run, total=len(rows))
    job.heartbeat_at = timezone.now()
    job.file.save(upload.name, upload, save=False)
    job.save()
    return job


def _job_end(job: ImportJob, *, state: str, error: str = "") -> None:
    """Finish or fail a locked job; its file goes once the transaction commits."""
    job.state, job.error, job.finished_at = state, error, timezone.now()
    name, job.file = job.file.name, ""
    job.save()
    if name:
        storage = job.file.storage
        transaction.on_commit(lambda: storage.delete(name))


def import_job_run(*, job_id: int, max_chunks: int | None = None) -> ImportJob | None:
    """Process a job from the last chunk recorded; a second run at the same time is harmless.

    Each chunk locks the job row, reads how far it is, and writes its rows, results and
    progress in one transaction: two runs (a redelivered task, a resumption) never process
    a row twice. ``max_chunks`` stops early (tests look at a job half-way).
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_done:
            return job
        if job.attempts >= MAX_ATTEMPTS:
            _job_end(job, state=ImportJob.State.FAILED, error=_("The import stopped several times and was given up."))
            return job
        job.state, job.attempts, job.heartbeat_at = ImportJob.State.RUNNING, job.attempts + 1, timezone.now()
        job.started_at = job.started_at or job.heartbeat_at
        job.save(update_fields=["state", "attempts", "heartbeat_at", "started_at"])
    try:
        with job.file.open("rb") as handle:
            rows = read_rows(handle, job.filename)
    except (OSError, ValueError, ImportFileError) as error:  # the file is gone or changed
        logger.warning("import job %s: cannot read its file: %s", job_id, error)
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if not job.is_done:
                _job_end(job, state=ImportJob.State.FAILED, error=_("The uploaded file can no longer be read."))
        return job
    context = _Context(rows)
    chunks = 0
    while True:
        with transaction.atomic():
            # Only the job row is locked (PostgreSQL refuses FOR UPDATE on the nullable side of a join).
            job = ImportJob.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=job_id)
            if job.is_done:
                return job
            chunk = rows[job.processed : job.processed + CHUNK_ROWS]
            if not chunk:
                _job_end(job, state=ImportJob.State.FINISHED)
                return job
            outcomes = _process(chunk, context, dry_run=job.dry_run, by=job.created_by)
            ImportRow.objects.bulk_create(
                [
                    ImportRow(job=job, number=o.number, full_name=o.full_name, result=o.result, reason=o.reason)
                    for o in outcomes
                ]
            )
            for outcome in outcomes:
                setattr(job, outcome.result, getattr(job, outcome.result) + 1)
            job.processed += len(chunk)
            job.heartbeat_at = timezone.now()
            job.save()
        chunks += 1
        if max_chunks is not None and chunks >= max_chunks:
            return job


def import_jobs_stalled(*, now=None) -> list[int]:
    """Jobs to run again: queued or running without progress for STALLED_AFTER (a broker that was
    down at upload, a worker killed mid-job). They resume where they stopped, up to MAX_ATTEMPTS."""
    now = now or timezone.now()
    return list(
        ImportJob.objects.filter(
            state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING], heartbeat_at__lt=now - STALLED_AFTER
        ).values_list("pk", flat=True)
    )


# A report names every person of the file (and why a row was refused); it is kept long enough to
# correct a file and import it again, then deleted (UU PDP: kept no longer than its purpose needs).
REPORT_RETENTION = timedelta(days=30)


def import_report_expired(*, job: ImportJob, now=None) -> bool:
    return job.finished_at is not None and job.finished_at < (now or timezone.now()) - REPORT_RETENTION


def import_reports_expire(*, now=None) -> int:
    """Delete the report lines of jobs that ended more than REPORT_RETENTION ago; the job's counts stay."""
    cutoff = (now or timezone.now()) - REPORT_RETENTION
    deleted, _kinds = ImportRow.objects.filter(job__finished_at__lt=cutoff).delete()
    return deleted


def import_jobs_visible(*, user: User):
    """The jobs a user may see: every job, for those who may import (a branch's coordinators share the work);
    a sub-branch coordinator only their own (a report names everyone in its file)."""
    queryset = ImportJob.objects.select_related("created_by")
    return scope.scoped(user=user, queryset=queryset) if user.has_perm(IMPORT_MEMBERS) else queryset.none()


def import_job_report(*, job: ImportJob) -> Iterable[list]:
    """The report's lines: a header, then every row with its number, name, result and reason."""
    labels = dict(Result.choices)
    if job.dry_run:
        labels = {key: _("%(result)s (check only)") % {"result": label} for key, label in labels.items()}
    yield [_("Row"), _("Name"), _("Result"), _("Reason")]
    for row in job.rows.order_by("number").iterator(chunk_size=1000):
        yield [row.number, csv_cell(row.full_name), str(labels[row.result]), csv_cell(row.reason)]
