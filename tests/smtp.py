"""A real SMTP server (aiosmtpd) on a free local port, for tests of email delivery."""

import email
import email.policy
import threading

from aiosmtpd.controller import Controller

from .processes import free_port


class RecordingHandler:
    """Accepts messages and keeps them, or answers every DATA with ``reply`` when it is set;
    recipients in ``refused`` get their reply to RCPT (e.g. "550 5.1.1 No such user")."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.reply: str | None = None
        self.refused: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return self.refused[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.handler.messages

    def refuse(self, reply: str | None) -> None:
        """Answer every message with this SMTP reply (e.g. "451 4.3.0 Try later"); None accepts again."""
        self.handler.reply = reply

    def refuse_recipient(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        """Answer RCPT TO for this address with ``reply`` (a 5xx: the address is refused for good)."""
        self.handler.refused[address.lower()] = reply

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def mailer_settings(self) -> dict:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
        }
