from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import kind_label

SECRET_BODY_PLACEHOLDER = _(
    "This email holds a secret link (a password, confirmation or invitation link): its text is not shown to anyone."
)


class Notification(models.Model):
    """One email in the outbox: a database row before anything is sent (DESIGN.md invariant 4).

    The message is rendered when it is recorded, in the recipient's language, so
    delivery needs nothing but this row and a mail server.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=10, default="id")
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Mail that carries a credential (a password-reset or confirmation link, an invitation):
    # its bodies are sealed at rest (tasks.outbox.seal) and no admin view shows them.
    secret = models.BooleanField(_("holds a secret link"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The admin's menu item and page heading both come from the plural: "Kotak keluar".
        verbose_name = _("outbox email")
        verbose_name_plural = _("outbox")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="tasks_notif_due_idx")]

    def __str__(self):
        return f"{self.kind} → {self.recipient}"

    def get_kind_display(self) -> str:
        return kind_label(self.kind)

    def get_language_display(self) -> str:
        return str(dict(settings.LANGUAGES).get(self.language, self.language))

    @property
    def readable_text(self) -> str:
        """The text staff may read: for a row holding a secret link, a sentence instead."""
        if self.secret:
            return str(SECRET_BODY_PLACEHOLDER)
        return self.body_text
