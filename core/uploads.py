"""What editors may upload as documents: the file must be what its name says.

Wagtail checks a document's extension (``WAGTAILDOCS_EXTENSIONS``) and size
(``WAGTAILDOCS_MAX_UPLOAD_SIZE``), but not its content: a web page or a program renamed
``laporan.pdf`` would be published under the site's name. This form (the admin's document
form base, ``WAGTAILDOCS_DOCUMENT_FORM_BASE``) reads the first bytes and refuses a file whose
content does not match its extension. Images need no such check: Wagtail opens each upload
with Willow and refuses one whose format differs from its extension.
"""

import re
import zipfile
from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm

SNIFF_BYTES = 8192

# Office Open XML and OpenDocument files are zip archives holding a part that names the kind.
OFFICE_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
OPENDOCUMENT_TYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
}
# Text that a browser would run or render as a page if it ever sniffed it (it must not: the
# site sends nosniff, but such a file is no text document either).
MARKUP = re.compile(rb"\A\s*<(?:!doctype|html|head|body|script|svg|\?xml|iframe|object|embed|meta)\b", re.IGNORECASE)


def _read_start(upload) -> bytes:
    upload.seek(0)
    start = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return start


def _zip_names(upload) -> set[str] | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)


def _opendocument_type(upload) -> bytes:
    try:
        with zipfile.ZipFile(upload) as archive:
            return archive.read("mimetype").strip()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return b""
    finally:
        upload.seek(0)


def content_matches_extension(upload, extension: str) -> bool:
    """Whether the file's content is of the kind its extension claims."""
    start = _read_start(upload)
    if extension == "pdf":
        return b"%PDF-" in start[:1024]
    if extension in OFFICE_PARTS:
        names = _zip_names(upload) if start.startswith(b"PK\x03\x04") else None
        return bool(names) and OFFICE_PARTS[extension] in names
    if extension in OPENDOCUMENT_TYPES:
        return start.startswith(b"PK\x03\x04") and _opendocument_type(upload) == OPENDOCUMENT_TYPES[extension]
    if extension == "rtf":
        return start.startswith(b"{\\rtf")
    if extension in {"txt", "csv"}:
        # Text has no NUL byte (every program and most binary formats do) and is no markup.
        return b"\x00" not in start and not MARKUP.match(start.removeprefix(b"\xef\xbb\xbf"))
    # An extension added to WAGTAILDOCS_EXTENSIONS without a rule here: Wagtail's extension check only.
    return True


class DocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload or upload is self.original_file or not hasattr(upload, "content_type"):
            return upload  # no new file (an edit of the title or tags only)
        extension = PurePath(upload.name).suffix.lower().lstrip(".")
        if not content_matches_extension(upload, extension):
            raise forms.ValidationError(
                _("The content of this file is not a .%(extension)s document. Upload the original file.")
                % {"extension": extension},
                code="content_mismatch",
            )
        return upload

    def _post_clean(self):
        # Wagtail's Document.clean() checks the extension of the file on the instance, which is
        # empty once the field has refused the upload (too big, wrong content): its "extension “”
        # is not allowed" would only confuse. Keep the field's own reason.
        refused = self.errors["file"].as_data() if self.has_error("file") else None
        super()._post_clean()
        if refused:
            self._errors["file"] = self.error_class(refused)


# -- portraits (a member's photo on their card) --------------------------------------------------

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is 8000x6000: larger is no photo
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_SIDE = 600  # pixels of the longer side kept: a card's photo is 2.5 cm wide


def photo_clean(upload, *, side: int = PHOTO_SIDE) -> bytes:
    """A portrait as the portal keeps it: a JPEG at most ``side`` pixels long, drawn anew from the
    pixels only, so no metadata survives (EXIF with the phone's GPS position, camera, date).

    The content decides, not the name: a JPEG, PNG or WebP that Pillow can decode within
    bounds; anything else is a ValidationError in the member's language.
    """
    import io

    from PIL import Image, ImageOps

    refused = forms.ValidationError(_("Upload a photo in JPEG, PNG or WebP, at most 8 MB."), code="not_a_photo")
    if upload is None or getattr(upload, "size", 0) > PHOTO_MAX_BYTES:
        raise refused
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in PHOTO_FORMATS or image.width * image.height > PHOTO_MAX_PIXELS:
                raise refused
            image.load()
            image = ImageOps.exif_transpose(image)  # upright as the phone showed it, then the EXIF goes
            image = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise refused from error
    finally:
        upload.seek(0)
    image.thumbnail((side, side))
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
