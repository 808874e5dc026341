"""Development mail: each email becomes readable files under ``var/mail/``; the console says where.

Django's console backend prints the raw MIME message, whose quoted-printable lines break
every long link with a ``=`` (the sign-up confirmation link cannot be clicked). This backend
writes, for each email, ``<time>-<subject>.txt`` (the headers and the decoded text part, links
whole), ``.html`` (the HTML part, to open in a browser) and its attachments beside them, and
prints one line: ``Email to kader@example.org: var/mail/20260512-101500-123456-konfirmasi.txt``.

``config/settings/dev.py`` selects it for ``EMAIL_URL=consolemail://`` (the default); any
other ``EMAIL_URL`` is used as given. Files, not a mailbox page: nothing is served over HTTP,
so a server started with DEBUG by mistake shows nobody's reset links.
"""

import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.text import slugify

HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date")


class EmailBackend(BaseEmailBackend):
    def __init__(self, *, directory: str | None = None, stream=None, fail_silently: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.directory = Path(directory) if directory else Path(settings.BASE_DIR) / "var" / "mail"
        self.stream = stream or sys.stdout
        self.fail_silently = fail_silently
        self._lock = threading.RLock()

    def send_messages(self, email_messages):
        sent = 0
        with self._lock:
            for message in email_messages:
                try:
                    path = self.write_message(message)
                except OSError:
                    if not self.fail_silently:
                        raise
                    continue
                self.stream.write(f"Email to {', '.join(message.recipients())}: {shown(path)}\n")
                self.stream.flush()
                sent += 1
        return sent

    def write_message(self, message) -> Path:
        """Write the email's files and return the path of its .txt."""
        mime = message.message()
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = self.free_stem(str(mime["Subject"] or ""))
        saved = []
        for part in mime.iter_attachments():
            name = Path(part.get_filename() or "attachment").name
            path = self.directory / f"{stem}-{name}"
            content = part.get_content()
            if isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                path.write_bytes(content if isinstance(content, bytes) else part.get_payload(decode=True))
            saved.append(path)
        html = mime.get_body(preferencelist=("html",))
        if html is not None:
            (self.directory / f"{stem}.html").write_text(html.get_content(), encoding="utf-8")
        text = mime.get_body(preferencelist=("plain",))
        lines = [f"{name}: {mime[name]}" for name in HEADERS if mime[name]]
        if html is not None:
            lines.append(f"HTML: {shown(self.directory / f'{stem}.html')}")
        lines += [f"Attachment: {shown(path)}" for path in saved]
        body = text.get_content() if text is not None else ""
        path = self.directory / f"{stem}.txt"
        path.write_text("\n".join(lines) + "\n\n" + body.replace("\r\n", "\n"), encoding="utf-8")
        return path

    def free_stem(self, subject: str) -> str:
        """``<date>-<time>-<microseconds>-<subject>``: sorted by time, never overwriting an earlier email."""
        base = f"{timezone.localtime():%Y%m%d-%H%M%S-%f}-{slugify(subject)[:60] or 'email'}"
        stem, number = base, 1
        while (self.directory / f"{stem}.txt").exists():
            number += 1
            stem = f"{base}-{number}"
        return stem


def shown(path: Path) -> str:
    """The path as a newcomer types it: relative to the project when inside it."""
    try:
        return str(path.relative_to(Path(settings.BASE_DIR)))
    except ValueError:
        return str(path)
