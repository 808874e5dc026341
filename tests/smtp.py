"""A real SMTP server (aiosmtpd) on a free local port, for tests of email delivery."""

import email
import email.policy
import threading

from aiosmtpd.controller import Controller

from .processes import free_port


class RecordingHandler:
    """Accepts messages and keeps them, or answers every DATA with ``reply`` when it is set."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.reply: str | None = None
        self.lock = threading.Lock()

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
