"""Bulk mail put on the wire once per batch: what every recipient of one message shares.

An announcement goes to thousands of members with the same subject and bodies. Building its
MIME tree and serializing it (Python's email package parses and folds every header) costs
more than the SMTP transaction itself, per row. ``Prototypes`` serializes each distinct
message of a batch once, with Django's own ``message()``; every later recipient of the same
message gets those bytes with its own headers in their places: ``To``, ``Date`` and every
header the outbox sets per row (``extra_headers``: ``Message-ID``, the kind), each folded by
the same policy call the generator makes. A message whose shared parts differ in anything
(subject, bodies, attachments, sender) is a message of its own.
"""

from __future__ import annotations

import email.message
import email.utils
import re
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.utils.timezone import get_current_timezone

# Values whose folded line is the value itself (Python's parser and folder give them back as
# they are): a plain address, a plain Message-ID, a token in an unstructured header, a Date as
# format_datetime writes it. These skip the email package's parse and fold (most of a copy's
# cost); any other value goes through them, as Django's own build does.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
_PLAIN = {
    "to": re.compile(rf"{_DOT_ATOM}@{_DOT_ATOM}"),
    "message-id": re.compile(rf"<{_DOT_ATOM}@{_DOT_ATOM}>"),
}
_PLAIN_TOKEN = re.compile(r"[!-~]{1,900}")


def shared_shape(message) -> tuple | None:
    """What the recipients of one bulk message share, as a key; None: no prototype (build it whole)."""
    if message.cc or message.bcc or len(message.to) != 1 or not str(message.to[0]).isascii():
        return None  # IDNA domains and lists of recipients go through Django's own path
    for value in message.extra_headers.values():
        if not str(value).isascii():
            return None
    try:
        attachments = tuple(message.attachments)
        alternatives = tuple(message.alternatives)
        shape = (
            str(message.subject),
            message.body,
            str(message.from_email),
            tuple(message.reply_to),
            alternatives,
            attachments,
            message.content_subtype,
            message.encoding,
            tuple(sorted(name.lower() for name in message.extra_headers)),
        )
        hash(shape)  # a MIMEBase attachment is not hashable: no prototype
    except TypeError:
        return None
    return shape


class Prototype:
    """The serialized headers and body of one message, the recipients' own headers left open."""

    def __init__(self, built: email.message.EmailMessage, wire: bytes, policy):
        self.policy = policy
        self.headers = [(name, value, policy.fold_binary(name, value)) for name, value in built.raw_items()]
        head = b"".join(line for _name, _value, line in self.headers) + policy.linesep.encode()
        if not wire.startswith(head):
            raise ValueError("the generator changed the headers while writing the body")
        self.body = wire[len(head) :]

    def instantiate(self, message) -> WireMessage:
        """``message``'s own copy: the shared header lines and body, its own To, Date and extra headers."""
        own = {"to": ", ".join(str(address) for address in message.to), "date": None}
        own.update((name.lower(), str(value)) for name, value in message.extra_headers.items())
        result = WireMessage(policy=self.policy)
        lines = []
        for name, value, line in self.headers:
            key = name.lower()
            if key in own:
                name, value, line = self.own_header(name, own[key])
            result.set_raw(name, value)
            lines.append(line)
        result.wire = b"".join(lines) + self.policy.linesep.encode() + self.body
        return result

    def own_header(self, name: str, value: str | None) -> tuple[str, str, bytes]:
        """A recipient's header: name, the value as stored, and its folded line."""
        key = name.lower()
        if value is None:  # Date: when this copy was made, as Django stamps it
            zone = get_current_timezone() if settings.EMAIL_USE_LOCALTIME else UTC
            value = email.utils.format_datetime(datetime.now(zone))
            plain = True
        elif key in _PLAIN:
            plain = _PLAIN[key].fullmatch(value) is not None
        else:
            plain = key not in self.policy.header_factory.registry and _PLAIN_TOKEN.fullmatch(value) is not None
        if plain:
            return name, value, f"{name}: {value}{self.policy.linesep}".encode("ascii")
        name, value = self.policy.header_store_parse(name, value)
        return name, value, self.policy.fold_binary(name, value)


class WireMessage(email.message.EmailMessage):
    """A message made from a prototype: its headers readable as usual, its bytes put together.

    ``as_bytes()`` in the policy it was made for returns those bytes; anything else (another
    policy, a Unix From line) asks ``whole()`` for the message built as Django builds it.
    """

    wire: bytes = b""
    whole: Callable[[], email.message.EmailMessage]

    def as_bytes(self, unixfrom=False, policy=None):
        if unixfrom or (policy is not None and policy is not self.policy):
            return self.whole().as_bytes(unixfrom=unixfrom, policy=policy)
        return self.wire

    def __bytes__(self):
        return self.as_bytes()

    def as_string(self, unixfrom=False, maxheaderlen=0, policy=None):
        if unixfrom or maxheaderlen or (policy is not None and policy is not self.policy):
            return self.whole().as_string(unixfrom=unixfrom, maxheaderlen=maxheaderlen, policy=policy)
        return self.wire.decode("ascii", "surrogateescape")

    def __str__(self):
        return self.as_string()


class Prototypes:
    """One batch's prototypes, by the shared parts of its messages and the policy they go out with."""

    def __init__(self):
        self._prototypes: dict[tuple, Prototype | None] = {}
        self.built = 0  # how many messages this batch built whole (tests read it)

    def message(self, message, *, policy, build: Callable[[], email.message.EmailMessage]):
        """The MIME message of one Django email: from its prototype, or ``build()`` (then kept as one).

        ``policy`` must be the same object for every message of a prototype (it is part of the key).
        """
        shape = shared_shape(message)
        key = (shape, policy)
        prototype = self._prototypes.get(key, False) if shape is not None else None
        if prototype:
            result = prototype.instantiate(message)
            result.whole = build
            return result
        built = build()
        self.built += 1
        if prototype is False:  # the first of its kind: it becomes the prototype of the others
            try:
                self._prototypes[key] = Prototype(built, built.as_bytes(policy=policy), policy)
            except ValueError:
                self._prototypes[key] = None  # never shared: each recipient's message built whole
        return built
