from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import kind_label

SECRET_BODY_PLACEHOLDER = _(
    "This email holds a secret link (a password, confirmation or invitation link): its text is not shown to anyone."
)

UNRENDERABLE = _("This email cannot be rendered: %(error)s")


class Notification(models.Model):
    """One email in the outbox: a database row before anything is sent (DESIGN.md invariant 4).

    The row keeps the message's template and context (``template``, ``context``) and
    delivery renders it in the recipient's language (``tasks.outbox.rendered``), so that
    recording it costs one INSERT; a message recorded rendered (allauth's, a sealed secret, an
    announcement) keeps its subject and bodies instead.
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
    # Rendered at delivery: the template's name ("" for a row stored rendered) and its context,
    # as tasks.outbox.encode_context keeps it.
    template = models.CharField(_("template"), max_length=200, blank=True, default="")
    context = models.JSONField(_("context"), default=dict, blank=True)
    # Mail that carries a credential (a password-reset or confirmation link, an invitation):
    # its bodies are sealed at rest (tasks.outbox.seal) and no admin view shows them.
    secret = models.BooleanField(_("holds a secret link"), default=False)
    # This recipient's own headers (e.g. List-Unsubscribe with their one-click link), as sealed
    # JSON (tasks.outbox.seal): the link unsubscribes without a login, so no reader of the row has it.
    headers = models.TextField(_("personal headers"), blank=True, default="")
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

    def _rendered(self):
        from .outbox import rendered

        if not hasattr(self, "_rendered_cache"):
            try:
                self._rendered_cache = rendered(self)
            except Exception as error:  # shown to staff; delivery records it as the row's failure
                self._rendered_cache = error
        return self._rendered_cache

    @property
    def readable_subject(self) -> str:
        """The subject as the recipient reads it (rendered now for a row rendered at delivery)."""
        if not self.template:
            return self.subject
        text = self._rendered()
        return str(UNRENDERABLE) % {"error": text} if isinstance(text, Exception) else text.subject

    @property
    def readable_text(self) -> str:
        """The text staff may read: for a row holding a secret link, a sentence instead."""
        if self.secret:
            return str(SECRET_BODY_PLACEHOLDER)
        if not self.template:
            return self.body_text
        text = self._rendered()
        return str(UNRENDERABLE) % {"error": text} if isinstance(text, Exception) else text.body_text
