"""The outbox: the one door through which the portal sends anything.

``notify()`` records a message as a ``Notification`` row inside the caller's
transaction (its template and a JSON context: one cheap INSERT, so a caller holding a
lock is not kept waiting by rendering) and wakes the delivery up once that transaction
commits (``wake_up()``: one task for the rows recorded meanwhile); ``rendered()`` makes
the text at delivery, the same bytes it would have made then.
Delivery claims the row atomically, so a task delivered twice (Redis redelivers
unacknowledged tasks; the sweeper re-dispatches stuck rows) sends at most once
after the row is marked sent. A batch marks its accepted rows a chunk at a time and
serializes each distinct message once (tasks/wire.py). Nothing here knows about programs
or members.

Longer than 400 lines on purpose: recording, sealing secrets, claiming and sending share
one status machine (pending → sending → sent / failed) and one claim rule; each transition
is guarded against the others here, in one place that tests/tasks/test_outbox.py reads.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import email.policy
import hashlib
import json
import logging
import random
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from functools import cache, lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.safestring import SafeData, mark_safe

from core import prepared

from .models import Notification
from .signals import address_refused
from .wire import Prototypes

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
SENDING_TIMEOUT = timedelta(minutes=10)
DISPATCH_GRACE = timedelta(seconds=30)
# The template engine (config/settings/base.py) that renders subjects and text/plain parts
# without HTML escaping; HTML parts use the default engine, which escapes.
TEXT_ENGINE = "text"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str


@dataclass(frozen=True)
class MadeAtDelivery:
    """An attachment made when the message is built for sending, by the function an app registered
    under ``maker`` (:func:`attachment_maker`) called with ``args``: the row keeps only these (JSON),
    so that a caller holding a lock records it without building it (a calendar file)."""

    maker: str
    args: dict


_ATTACHMENT_MAKERS: dict[str, Callable[..., Attachment]] = {}


def attachment_maker(name: str):
    """Register the function that makes the attachments recorded as ``MadeAtDelivery(name, args)``
    (at import of the app's module that defines it: web and worker processes both import it)."""

    def register(function: Callable[..., Attachment]) -> Callable[..., Attachment]:
        _ATTACHMENT_MAKERS[name] = function
        return function

    return register


# Words of a message made when it is sent, like an attachment: ``notify(context_at_delivery=
# MadeAtDelivery(name, args))`` keeps the name and the args in the row's context under this key,
# and rendering calls the function registered under ``name`` (:func:`context_maker`), in the
# row's language, for a dict the recorded context is laid over.
_MADE_KEY = "__made_at_delivery__"
_CONTEXT_MAKERS: dict[str, Callable[..., dict]] = {}


def context_maker(name: str):
    """Register the function that makes a context recorded as ``MadeAtDelivery(name, args)``."""

    def register(function: Callable[..., dict]) -> Callable[..., dict]:
        _CONTEXT_MAKERS[name] = function
        return function

    return register


def _with_made_context(context: dict) -> dict:
    """The context a row renders: what its maker makes now, with what was recorded laid over it."""
    if (made := context.get(_MADE_KEY)) is None:
        return context
    recorded = {key: value for key, value in context.items() if key != _MADE_KEY}
    return _CONTEXT_MAKERS[made["maker"]](**made["args"]) | recorded


def stored_attachment(data: dict) -> Attachment:
    """An attachment as a row keeps it: as it was recorded, or made now by its registered maker."""
    if "maker" in data:
        return _ATTACHMENT_MAKERS[data["maker"]](**data["args"])
    return Attachment(**data)


def notify(
    *,
    kind: str,
    recipient: str,
    template: str,
    context: dict | None = None,
    language: str | None = None,
    idempotency_key: str,
    attachments: list[Attachment | MadeAtDelivery] | tuple[Attachment | MadeAtDelivery, ...] = (),
    secret: bool = False,
    context_at_delivery: MadeAtDelivery | None = None,
) -> Notification:
    """Record an email for ``recipient`` and deliver it after the current transaction commits.

    ``template`` names ``<template>_subject.txt``, ``<template>.txt`` and optionally
    ``<template>.html``; an attachment may be ``MadeAtDelivery`` (made when it is sent). The row
    keeps the template and the context, rendered at delivery (``rendered()``); a context JSON
    cannot hold as it is (a model instance) is rendered now instead. A message with a credential
    (``secret``: a reset, confirmation, invitation or one-tap answer link) keeps its context
    sealed (encrypted, like a rendered secret body) and is never shown to staff. A second call
    with the same ``idempotency_key`` returns the first row and sends nothing more.
    ``context_at_delivery``: more words, made when the message is rendered by the maker
    registered under its name (``context_maker``), ``context`` laid over them: the row records
    their name and args only.
    """
    language = language or settings.LANGUAGE_CODE
    context = context or {}
    if context_at_delivery is not None:
        context = context | {_MADE_KEY: vars(context_at_delivery)}
    stored = encode_context(context, language=language)
    if stored is not None and secret:
        stored = {_TAG: "sealed", "value": seal(json.dumps(stored))}
    if stored is None:
        with translation.override(language):
            context = _with_made_context(context)
        subject, body_text, body_html = render_message(template=template, context=context, language=language)
        return notify_rendered(
            kind=kind,
            recipient=recipient,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            language=language,
            idempotency_key=idempotency_key,
            attachments=attachments,
            secret=secret,
        )
    return _record(
        idempotency_key=idempotency_key,
        kind=kind,
        recipient=recipient,
        language=language,
        template=template,
        context=stored,
        attachments=[vars(attachment) for attachment in attachments],
        secret=secret,
    )


def notify_rendered(
    *,
    kind: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    language: str | None = None,
    idempotency_key: str,
    attachments: list[Attachment | MadeAtDelivery] | tuple[Attachment | MadeAtDelivery, ...] = (),
    secret: bool = False,
) -> Notification:
    """Like ``notify()``, for a message already rendered (by allauth, or by ``notify()`` itself)."""
    if secret:
        body_text, body_html = seal(body_text), seal(body_html) if body_html else ""
    return _record(
        idempotency_key=idempotency_key,
        kind=kind,
        recipient=recipient,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=[vars(attachment) for attachment in attachments],
        secret=secret,
    )


def _record(*, idempotency_key: str, **fields) -> Notification:
    """One INSERT (in a savepoint); the row already recorded under this key when there is one.

    The unique key also settles a race with another transaction recording the same key: the
    INSERT waits for it, then fails, and the row it committed is returned.
    """
    try:
        with transaction.atomic():
            # save()'s INSERT compiled once per process (core.prepared): the same row, ~600 calls fewer.
            notification = prepared.insert(Notification(idempotency_key=idempotency_key, **fields))
    except IntegrityError:
        existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:  # not the key: a row that cannot be stored at all
            raise
        return existing
    transaction.on_commit(wake_up)
    return notification


# -- the context a row keeps, and the message it renders to ----------------------------------

# JSON holds str, numbers, booleans, None, lists and dicts; these tags bring back the other
# values email templates use, as they were: times for ``|date``, text already marked safe.
_TAG = "__outbox__"


def encode_context(context: dict, *, language: str):
    """The context as JSON can keep it, or None when it holds a value JSON cannot (then the
    message is rendered at once). Lazy translations become text in ``language``, as rendering
    in that language would make them."""

    def encode(value):
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, SafeData):
            return {_TAG: "safe", "value": str(value)}
        if isinstance(value, str):
            return value
        if isinstance(value, Promise):
            return str(value)
        if isinstance(value, datetime.datetime):
            return {_TAG: "datetime", "value": value.isoformat()}
        if isinstance(value, datetime.date):
            return {_TAG: "date", "value": value.isoformat()}
        if isinstance(value, list | tuple):
            return [encode(item) for item in value]
        if isinstance(value, dict) and all(isinstance(key, str) for key in value) and _TAG not in value:
            return {key: encode(item) for key, item in value.items()}
        raise TypeError(type(value).__name__)

    with translation.override(language):
        try:
            return encode(context)
        except TypeError:
            return None


def decode_context(data):
    if isinstance(data, list):
        return [decode_context(item) for item in data]
    if not isinstance(data, dict):
        return data
    tag = data.get(_TAG)
    if tag == "safe":
        return mark_safe(data["value"])  # noqa: S308 - it was SafeData when it was recorded
    if tag == "datetime":
        return datetime.datetime.fromisoformat(data["value"])
    if tag == "date":
        return datetime.date.fromisoformat(data["value"])
    if tag == "sealed":  # the context of a message holding a secret link (notify(secret=True))
        return decode_context(json.loads(unseal(data["value"])))
    return {key: decode_context(item) for key, item in data.items()}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    body_html: str


def rendered(notification: Notification) -> Rendered:
    """The message a row stands for, in its language: rendered from its template and context,
    or as it was stored (bodies unsealed). Raises when its template no longer renders."""
    if notification.template:
        with translation.override(notification.language):
            context = _with_made_context(decode_context(notification.context))
        parts = render_message(template=notification.template, context=context, language=notification.language)
        # Plain text, not the SafeString a template returns: whoever shows it (the admin) escapes it.
        return Rendered(*(str.__str__(part) for part in parts))
    body_text, body_html = notification.body_text, notification.body_html
    if notification.secret:
        body_text, body_html = unseal(body_text), unseal(body_html) if body_html else ""
    return Rendered(notification.subject, body_text, body_html)


def render_message(*, template: str, context: dict, language: str) -> tuple[str, str, str]:
    context = {
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", ""),
        "site_url": settings.SITE_URL,
        **context,
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context, using=TEXT_ENGINE).split())
        body_text = render_to_string(f"{template}.txt", context, using=TEXT_ENGINE)
        try:
            body_html = render_to_string(f"{template}.html", context)
        except Exception as error:  # TemplateDoesNotExist: a text-only message
            if error.__class__.__name__ != "TemplateDoesNotExist":
                raise
            body_html = ""
    return subject, body_text, body_html


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    """One Fernet key per Django secret key (SECRET_KEY first, then SECRET_KEY_FALLBACKS), via HKDF."""

    def derive(secret_key: str) -> Fernet:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"portal-outbox", info=b"sealed email bodies")
        return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())))

    return MultiFernet([derive(key) for key in keys])


def _keys() -> tuple[str, ...]:
    return (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))


def seal(text: str) -> str:
    """Encrypt a body that holds a credential, so that no reader of the row (staff, a backup) can use it."""
    return _fernet(_keys()).encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    """The body ``seal()`` encrypted; ValueError when no current or fallback key opens it."""
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("a sealed email body no current or fallback SECRET_KEY opens") from error


def dispatch(*, notification_id: int, countdown: float | None = None, on_commit: bool = False) -> bool:
    """Hand a row to Celery (``on_commit``: once the current transaction commits).

    A broker that is down is not an error: the row waits for the sweeper.
    """
    # The task module imports this one at its top; the outbox reaches its task only to send.
    from .delivery import deliver_notification

    if on_commit:
        deliver_notification.apply_async_on_commit(args=(notification_id,), countdown=countdown)
        return True
    return deliver_notification.enqueue(notification_id, countdown=countdown)


# The wake-up of the outbox. A new row is not handed to Celery one by one: after the commit that
# recorded it, one ``deliver_recorded`` task is queued unless one is already waiting
# (``Task.enqueue_once``, tasks/celery.py: an atomic ``add`` of WAKE_KEY, SET NX with
# WAKE_SECONDS to live), and that task delivers every row recorded until it starts. It deletes
# the key *before* it reads the rows. The sweeper sends any row a lost task left pending. During
# a storm of rows that is one publish (and one cheap SET NX) where there was one per row.
WAKE_KEY = "outbox:wake-up"
WAKE_SECONDS = 30


def wake_up() -> bool:
    """Queue the delivery of the rows just committed, unless a delivery already waits for them.
    True when this call queued it."""
    # The task module imports this one at its top; the outbox reaches its task only to send.
    from .delivery import deliver_recorded

    return deliver_recorded.enqueue_once(WAKE_KEY, seconds=WAKE_SECONDS)


def deliver_recorded() -> list[Notification]:
    """Deliver the rows waiting for a wake-up (``wake_up()``): pending, never tried, not bulk mail
    (a batch has its own task). Returns those still pending (to try again at next_attempt_at)."""
    from .delivery import deliver_recorded as task

    task.started_once(WAKE_KEY)  # first: see the comment above WAKE_KEY
    waiting = (
        Notification.objects.filter(claimable(now=timezone.now()), status=Notification.Status.PENDING)
        .filter(next_attempt_at__isnull=True)
        .exclude(kind__in=bulk_kinds())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    again = []
    for notification_id in list(waiting):
        notification = deliver(notification_id=notification_id)  # None: another worker took it
        if notification is not None and notification.status == Notification.Status.PENDING:
            again.append(notification)
    return again


def claimable(*, now) -> Q:
    """Rows a worker may take for sending at ``now``: pending and due, or stuck in 'sending'
    past the timeout (its worker died). Claims, batches and the sweeper all use this one rule."""
    return (
        Q(status=Notification.Status.PENDING)
        | Q(status=Notification.Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
    ) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def claim(*, notification_id: int) -> Notification | None:
    """Take a row for sending; ``None`` if it is sent, failed, not due, or another worker has it."""
    now = timezone.now()
    updated = Notification.objects.filter(claimable(now=now), pk=notification_id).update(
        status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not updated:
        return None
    return Notification.objects.get(pk=notification_id)


def message_id(notification: Notification) -> str:
    """The same Message-ID however often the row is sent, so mail clients collapse a resend.

    Delivery is at least once: a worker that dies after the SMTP server accepted a
    message but before the row is marked sent sends it again after SENDING_TIMEOUT.
    """
    digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:16]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<outbox.{notification.pk}.{digest}@{domain}>"


# Bulk mail (the kinds in settings.OUTBOX_BULK_KINDS, named by the apps that send it) goes out
# from ANNOUNCEMENT_FROM_EMAIL, so that a provider's reputation of the bulk address never holds
# back confirmations and password resets; everything else from DEFAULT_FROM_EMAIL.
def bulk_kinds() -> frozenset[str]:
    return frozenset(getattr(settings, "OUTBOX_BULK_KINDS", ()))


@dataclass(frozen=True)
class Sender:
    name: str
    address: str
    reply_to: str
    bulk_address: str = ""

    @property
    def from_email(self) -> str:
        """``"PC GP Ansor Batu Bara" <noreply@…>``: the name quoted (and encoded on the wire) as it needs."""
        return self.from_email_for("")

    def from_email_for(self, kind: str) -> str:
        address = self.bulk_address if kind in bulk_kinds() and self.bulk_address else self.address
        return named_address(self.name, address)


@lru_cache(maxsize=64)
def named_address(name: str, address: str) -> str:
    """``"Name" <address>``, composed once per sender: the email package's parser costs a batch dearly."""
    if not name:
        return address
    return str(Address(display_name=name, addr_spec=address))


def sender() -> Sender:
    """The From and Reply-To of our email: DEFAULT_FROM_EMAIL's address, named after the site.

    The name and Reply-To come from ``settings.OUTBOX_SENDER_IDENTITY`` (a function returning
    both; the site settings, see home/mail.py); a display name written into DEFAULT_FROM_EMAIL wins.
    """
    configured_name, address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))
    name, reply_to = "", ""
    provider = getattr(settings, "OUTBOX_SENDER_IDENTITY", "")
    if provider:
        name, reply_to = import_string(provider)()
    _bulk_name, bulk_address = parseaddr(str(getattr(settings, "ANNOUNCEMENT_FROM_EMAIL", "") or ""))
    return Sender(
        name=configured_name or name,
        address=address or "noreply@localhost",
        reply_to=reply_to,
        bulk_address=bulk_address,
    )


# RFC 5322's hard limit of a line. With the 78 of ``email.policy.SMTP`` Python folds a subject of
# 71-77 characters right after "Subject:" (its own parser, and some clients, then read it with a
# leading space) and sends text bodies quoted-printable, which splits long links in two.
MAX_LINE_LENGTH = 998


@cache
def outbox_policy(policy: email.policy.Policy) -> email.policy.Policy:
    """``policy`` folding only past RFC 5322's limit; one object per policy (it keys the prototypes)."""
    return policy.clone(max_line_length=MAX_LINE_LENGTH)


class OutboxEmail(EmailMultiAlternatives):
    """A message whose headers and text lines are folded only past RFC 5322's line limit.

    ``prototypes``: a batch's shared serializations (tasks/wire.py); a message whose subject,
    bodies and sender another of the batch has is put together from that one's bytes.
    """

    prototypes: Prototypes | None = None

    def message(self, *, policy=email.policy.default):
        policy = outbox_policy(policy)
        if self.prototypes is None:
            return super().message(policy=policy)

        def whole():
            return super(OutboxEmail, self).message(policy=policy)

        return self.prototypes.message(self, policy=policy, build=whole)


def build_message(
    notification: Notification, *, identity: Sender | None = None, prototypes: Prototypes | None = None
) -> EmailMultiAlternatives:
    """The one place a row becomes an email; a row that cannot render raises (send() records it failed).

    ``prototypes``: the batch's shared serializations (see ``deliver_batch``).
    """
    text = rendered(notification)
    body_html = text.body_html
    identity = identity or sender()
    message = OutboxEmail(
        subject=text.subject,
        body=text.body_text,
        from_email=identity.from_email_for(notification.kind),
        to=[notification.recipient],
        reply_to=[identity.reply_to] if identity.reply_to else None,
        headers={
            "X-Portal-Notification": notification.kind,
            "Message-ID": message_id(notification),
            **personal_headers(notification),
        },
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    with translation.override(notification.language):  # one made now speaks the row's language
        attachments = [stored_attachment(stored) for stored in notification.attachments]
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    message.prototypes = prototypes
    return message


def seal_headers(headers: dict[str, str]) -> str:
    """A recipient's own headers as ``Notification.headers`` keeps them (sealed)."""
    return seal(json.dumps(headers)) if headers else ""


def personal_headers(notification: Notification) -> dict[str, str]:
    return json.loads(unseal(notification.headers)) if notification.headers else {}


def address_is_deliverable(address: str) -> bool:
    """Whether an SMTP server can be handed this address as it is: no control characters
    (a quoted local part may carry them past Django's EmailValidator, and the SMTP
    mailer then refuses the message), and Python's email package parses it whole."""
    if not address or any(ord(char) < 32 or ord(char) == 127 for char in address):
        return False
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, TypeError, HeaderParseError):
        return False
    return bool(parsed.username and parsed.domain)


def is_permanent(error: Exception) -> bool:
    """SMTP 5xx replies are permanent; refused connections and 4xx replies are temporary."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def send(notification: Notification, connection=None, *, identity: Sender | None = None) -> None:
    """Send one claimed row and record the outcome on it: sent, pending (retry later) or failed.

    ``connection``: an open mailer shared by a batch; None opens one for this message.
    ``identity``: the sender, read once for a batch; None reads it for this message.
    """
    if transmit(notification, connection, identity=identity):
        mark_sent([notification])


def transmit(
    notification: Notification, connection=None, *, identity: Sender | None = None, prototypes: Prototypes | None = None
) -> bool:
    """Hand one claimed row to the mail server: True when it accepted the message (the caller
    then marks the row sent); otherwise the failure is recorded on the row (pending or failed).

    The sender is read before the ``try``: a sender that cannot be read is no reason to give the row up.
    """
    identity = identity or sender()
    try:
        message = build_message(notification, identity=identity, prototypes=prototypes)
        if connection is None:
            message.send()
        else:
            connection.send_messages([message])
    except (OSError, smtplib.SMTPException) as error:
        if connection is not None and not isinstance(error, smtplib.SMTPResponseException):
            # The connection itself broke: the next message of the batch opens a new one.
            with contextlib.suppress(Exception):
                connection.close()
        record_failure(notification, error=error, permanent=is_permanent(error))
        return False
    except Exception as error:  # a row that cannot be built (a bad address) never will be
        record_failure(notification, error=error, permanent=True)
        return False
    return True


def mark_sent(notifications: list[Notification]) -> None:
    """Record rows the mail server accepted as sent, in one UPDATE (one commit) however many."""
    Notification.objects.filter(pk__in=[n.pk for n in notifications], status=Notification.Status.SENDING).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    for notification in notifications:
        notification.status = Notification.Status.SENT


def describe(error: Exception) -> str:
    """A line staff can read: the SMTP reply as the server gave it, or the connection error."""
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.__class__.__name__}: {error.smtp_code} {reply}"
    return f"{error.__class__.__name__}: {error}"


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter: 30 s, 1 min, 2 min ... capped at an hour."""
    ceiling = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not cryptography


def refused_recipient(error: Exception) -> bool:
    """The server refused the recipient itself, for good: every RCPT answered 5xx."""
    return isinstance(error, smtplib.SMTPRecipientsRefused) and is_permanent(error)


def record_failure(notification: Notification, *, error: Exception, permanent: bool) -> None:
    if refused_recipient(error):
        # Whoever owns the address decides what follows (members: no more announcements to it).
        answers = address_refused.send_robust(
            sender=Notification, address=notification.recipient, kind=notification.kind, reply=describe(error)
        )
        for receiver, failure in answers:  # a receiver's error never keeps the row from being recorded
            if isinstance(failure, Exception):
                logger.error("outbox: %s failed on a refused address: %r", receiver, failure)
    give_up = permanent or notification.attempts >= MAX_ATTEMPTS
    notification.status = Notification.Status.FAILED if give_up else Notification.Status.PENDING
    notification.last_error = describe(error)[:2000]
    notification.next_attempt_at = (
        None if give_up else timezone.now() + timedelta(seconds=backoff_seconds(notification.attempts))
    )
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
        status=notification.status, last_error=notification.last_error, next_attempt_at=notification.next_attempt_at
    )
    log = logger.error if give_up else logger.warning
    log("outbox: notification %s attempt %s failed: %s", notification.pk, notification.attempts, error)


def deliver(*, notification_id: int) -> Notification | None:
    """Claim and send one row. Returns the row (``status`` pending means: try again at
    ``next_attempt_at``), or None when there was nothing to do."""
    notification = claim(notification_id=notification_id)
    if notification is None:
        return None
    send(notification)
    return notification


def claim_many(*, notification_ids) -> list[Notification]:
    """Take many rows for sending in one statement (one commit, not one per row).

    Same rule as ``claim()``: only rows pending and due, or stuck in 'sending' past the
    timeout. The rows this call took are the ones stamped with its own claim time.
    """
    now = timezone.now()
    Notification.objects.filter(claimable(now=now), pk__in=notification_ids).update(
        status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return list(
        Notification.objects.filter(
            pk__in=notification_ids, status=Notification.Status.SENDING, claimed_at=now
        ).order_by("pk")
    )


# A batch marks the rows the server accepted in one UPDATE per chunk, not one commit per row:
# a chunk closes when it holds MARK_CHUNK rows, or before the next SMTP transaction once
# MARK_SECONDS went on sending it. That chunk is the batch's at-least-once window (README):
# a worker killed inside it leaves its rows 'sending', and the sweeper sends them again.
# Against a slow server (a provider's 0.1 s a message) every row is marked before the next
# one goes out; against a fast one, a commit costs as much as a message, and is shared.
MARK_CHUNK = 100
MARK_SECONDS = 0.05


class SentMarks:
    """The rows of a batch the server accepted and that are not marked sent yet."""

    def __init__(self):
        self.rows: list[Notification] = []
        self.opened = 0.0

    def before_transaction(self) -> None:
        if self.rows and time.monotonic() - self.opened >= MARK_SECONDS:
            self.flush()
        if not self.rows:
            self.opened = time.monotonic()

    def accepted(self, notification: Notification) -> None:
        self.rows.append(notification)
        if len(self.rows) >= MARK_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            mark_sent(self.rows)
            self.rows = []


def deliver_batch(*, notification_ids) -> list[Notification]:
    """Claim many rows and send them over one SMTP connection (announcements).

    Rows the server accepted are marked sent a chunk at a time (``SentMarks``); a failure is
    recorded on its own row at once (pending for a retry, or failed), never on the others.
    Each distinct message is serialized once (``Prototypes``), each recipient getting its own
    headers. Rows another worker holds or has sent are skipped, so a batch delivered twice
    sends nothing twice; a worker killed mid-batch leaves the rest 'sending' until the
    sweeper's timeout hands them out again. Returns the rows this call claimed.
    """
    claimed = claim_many(notification_ids=notification_ids)
    if not claimed:
        return []
    connection = mailers.default
    identity = sender()
    prototypes = Prototypes()
    marks = SentMarks()
    with contextlib.suppress(OSError, smtplib.SMTPException):
        connection.open()  # refused: each transmit() below records its own failure
    try:
        for notification in claimed:
            marks.before_transaction()
            if transmit(notification, connection, identity=identity, prototypes=prototypes):
                marks.accepted(notification)
    finally:
        try:
            marks.flush()
        finally:
            with contextlib.suppress(Exception):
                connection.close()
    return claimed


def dispatch_batch(*, notification_ids, on_commit: bool = False) -> bool:
    """Hand a batch of rows to Celery (``on_commit``: once the current transaction commits);
    a broker that is down leaves them to the sweeper."""
    from .delivery import deliver_batch as deliver_batch_task

    if on_commit:
        deliver_batch_task.delay_on_commit(list(notification_ids))
        return True
    return deliver_batch_task.enqueue(list(notification_ids))


def record_many(*, kind: str, rows: list[dict], subject: str, body_text: str, body_html: str = "", language: str):
    """Record many messages at once (an announcement); rows are ``{"recipient", "idempotency_key"}``,
    with optionally ``"headers"``: the recipient's own (List-Unsubscribe), sealed at rest.

    Keys already recorded are skipped. Returns the ids of the rows this call created.
    """
    keys = [row["idempotency_key"] for row in rows]
    existing = set(Notification.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    new = [
        Notification(
            idempotency_key=row["idempotency_key"],
            kind=kind,
            recipient=row["recipient"],
            language=language,
            subject=subject,
            body_text=row.get("body_text", body_text),
            body_html=row.get("body_html", body_html),
            headers=seal_headers(row.get("headers") or {}),
        )
        for row in rows
        if row["idempotency_key"] not in existing
    ]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return list(
        Notification.objects.filter(
            idempotency_key__in=[row.idempotency_key for row in new], status=Notification.Status.PENDING
        ).values_list("pk", flat=True)
    )


def sweep(*, now=None) -> int:
    """Re-dispatch rows that are due and were never queued, or stuck in 'sending'."""
    now = now or timezone.now()
    # A row 'sending' always has a due next_attempt_at (it was claimed due, and a failure makes
    # it 'pending' again): claimable() is the rule, less pending rows still in their own task's grace.
    due = (
        Notification.objects.filter(claimable(now=now))
        .exclude(status=Notification.Status.PENDING, created_at__gte=now - DISPATCH_GRACE)
        .values_list("pk", flat=True)
    )
    count = 0
    for notification_id in due.iterator():
        count += dispatch(notification_id=notification_id)
    return count


def retry_failed(*, notification_ids) -> int:
    """Staff asked to try failed rows again: they become pending with a fresh budget of attempts."""
    ids = list(
        Notification.objects.filter(pk__in=notification_ids, status=Notification.Status.FAILED).values_list(
            "pk", flat=True
        )
    )
    Notification.objects.filter(pk__in=ids).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=None, last_error=""
    )
    for notification_id in ids:
        dispatch(notification_id=notification_id, on_commit=True)
    return len(ids)
