"""The NIK (Nomor Induk Kependudukan), handled as UU 27/2022 expects of specific personal data.

- **Validated**: 16 digits; a real region (members.nik_regions); the birth date it encodes
  (digits 7 to 12, DDMMYY, women's day + 40) agrees with the profile's date of birth and gender;
  a sequence other than 0000.
- **Stored encrypted** (``Member.nik_ciphertext``: Fernet, AES-128-CBC with HMAC-SHA256, from the
  ``cryptography`` package) with a key derived from ``FIELD_ENCRYPTION_KEY`` (HKDF), and with a
  keyed hash (``Member.nik_hash``: HMAC-SHA256, another derived key) that finds duplicates and
  lets the import match members without decrypting anything. Nothing in the database reads as a NIK.
  A new key: old ones stay readable as ``FIELD_ENCRYPTION_KEY_FALLBACKS`` until
  ``manage.py rotate_field_encryption_key`` (:func:`nik_key_rotate`) has rewritten every row.
- **Shown masked** (``1219 **** **** 0001``) except to holders of ``members.view_member_nik``;
  exports leave it out unless such a holder asks (members/admin/viewsets.py).
- **Consent** recorded when the member gives it (``Member.nik_consent_at``); **erased** with the
  account (members.personal_data).

With ``NIK_ENABLED`` off (no key configured) nobody is asked for a NIK and imports ignore it.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Member
from .nik_regions import region_known
from .permissions import VIEW_MEMBER_NIK

LENGTH = 16
WOMEN_DAY_OFFSET = 40


def nik_enabled() -> bool:
    return bool(getattr(settings, "NIK_ENABLED", False)) and bool(getattr(settings, "FIELD_ENCRYPTION_KEY", ""))


# -- keys ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _derived(secret: str, purpose: bytes) -> bytes:
    if not secret:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set: NIKs cannot be stored.")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ansor-batubara-fields", info=purpose).derive(
        secret.encode()
    )


def _secrets() -> list[str]:
    """The key that writes, then the old ones that still read (``FIELD_ENCRYPTION_KEY_FALLBACKS``)."""
    fallbacks = getattr(settings, "FIELD_ENCRYPTION_KEY_FALLBACKS", ())
    return [settings.FIELD_ENCRYPTION_KEY, *(secret for secret in fallbacks if secret)]


def _fernet() -> MultiFernet:
    """Encrypts with the current key; decrypts with any of them (cryptography's MultiFernet)."""
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derived(secret, b"nik encryption"))) for secret in _secrets()])


def _hash(nik: str, secret: str) -> str:
    return hmac.new(_derived(secret, b"nik hash"), nik.encode(), hashlib.sha256).hexdigest()


def nik_hash(*, nik: str) -> str:
    """The keyed hash that finds the same NIK again (duplicates, the import) without decrypting."""
    return _hash(nik, settings.FIELD_ENCRYPTION_KEY)


def nik_hashes(*, nik: str) -> list[str]:
    """The NIK's hash under every key in use: a row not yet rotated still finds its duplicate."""
    return [_hash(nik, secret) for secret in _secrets()]


def nik_encrypt(*, nik: str) -> str:
    return _fernet().encrypt(nik.encode()).decode()


def nik_decrypt(*, ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:  # another key (a lost FIELD_ENCRYPTION_KEY): unreadable, not an error page
        return ""


def nik_key_rotate(*, batch_size: int = 500) -> tuple[int, int]:
    """Every stored NIK encrypted and hashed again under the current key (after a key change).

    Rows are rewritten in batches, each its own transaction, so a rotation stopped half-way is
    simply run again. Returns (rewritten, unreadable): an unreadable row (a key that was lost,
    not kept as a fallback) is left as it is and counted.
    """
    fernet = _fernet()
    rewritten = unreadable = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Member.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(nik_ciphertext="")
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return rewritten, unreadable
            for member in batch:
                last_pk = member.pk
                try:
                    nik = fernet.decrypt(member.nik_ciphertext.encode()).decode()
                except InvalidToken:
                    unreadable += 1
                    continue
                member.nik_ciphertext, member.nik_hash = fernet.encrypt(nik.encode()).decode(), nik_hash(nik=nik)
                rewritten += 1
            Member.objects.bulk_update(batch, ["nik_ciphertext", "nik_hash"])


# -- validation ---------------------------------------------------------------------------------


def nik_normalise(value: str) -> str:
    """Spaces, dots and dashes as people type them (1219 0512 ...) taken out."""
    return "".join(ch for ch in str(value or "") if ch not in " .-\u00a0").strip()


def nik_validate(*, value: str, birth_date: datetime.date | None, gender: str) -> str:
    """The NIK as 16 digits, or a ValidationError saying what does not fit.

    ``birth_date`` and ``gender`` are the profile's (or the import row's); an empty one is not
    compared, but the NIK's own date must exist.
    """
    nik = nik_normalise(value)
    if len(nik) != LENGTH or not nik.isdigit():
        raise ValidationError(_("A NIK has 16 digits, as on the e-KTP."), code="nik_digits")
    if not region_known(nik[:4]) or nik[4:6] == "00":
        raise ValidationError(_("This NIK does not start with the code of a real region."), code="nik_region")
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > WOMEN_DAY_OFFSET
    day -= WOMEN_DAY_OFFSET if female else 0
    try:
        datetime.date(2000 + year, month, day)
    except ValueError:
        try:  # 29 February of a year 19YY that 20YY is not
            datetime.date(1900 + year, month, day)
        except ValueError:
            raise ValidationError(_("The birth date this NIK encodes does not exist."), code="nik_date") from None
    if nik[12:] == "0000":
        raise ValidationError(_("This NIK's last four digits cannot be 0000."), code="nik_sequence")
    if gender and (gender == Member.Gender.FEMALE) != female:
        raise ValidationError(
            _("This NIK is of a woman (day of birth + 40) but the profile says a man, or the other way round."),
            code="nik_gender",
        )
    if birth_date and (birth_date.day, birth_date.month, birth_date.year % 100) != (day, month, year):
        raise ValidationError(
            _("The birth date in this NIK (%(nik_date)s) is not the date of birth on the profile.")
            % {"nik_date": f"{day:02d}-{month:02d}-{year:02d}"},
            code="nik_birth_date",
        )
    return nik


def nik_duplicate(*, nik: str, member: Member | None = None) -> bool:
    """Whether another member (not ``member``) holds this NIK."""
    others = Member.objects.filter(nik_hash__in=nik_hashes(nik=nik))
    if member is not None and member.pk:
        others = others.exclude(pk=member.pk)
    return others.exists()


# -- reading it back ----------------------------------------------------------------------------


def nik_mask(nik: str) -> str:
    """``1219 **** **** 0001``: the regency and the last four digits."""
    if len(nik) != LENGTH:
        return ""
    return f"{nik[:4]} **** **** {nik[12:]}"


def nik_display(*, member: Member, user) -> str:
    """The member's NIK as ``user`` may read it: whole with ``members.view_member_nik`` (or the
    member themself), masked otherwise; "" when there is none."""
    nik = nik_decrypt(ciphertext=member.nik_ciphertext)
    if not nik:
        return ""
    own = user is not None and member.user_id is not None and member.user_id == getattr(user, "pk", None)
    return nik if own or (user is not None and user.has_perm(VIEW_MEMBER_NIK)) else nik_mask(nik)


# -- writing it ---------------------------------------------------------------------------------


def nik_fields(*, nik: str, consent: bool) -> dict:
    """The model fields that hold a validated NIK (and the moment of consent, when given now)."""
    if not nik:
        return {"nik_ciphertext": "", "nik_hash": "", "nik_consent_at": None}
    fields = {"nik_ciphertext": nik_encrypt(nik=nik), "nik_hash": nik_hash(nik=nik)}
    if consent:
        fields["nik_consent_at"] = timezone.now()
    return fields
