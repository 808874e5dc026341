"""What the outbox tells the apps above it, without knowing them (a seam: docs/architecture.md).

``address_refused``: the mail server refused a recipient permanently (a 5xx reply to RCPT),
sent once per refused row with ``address``, ``kind`` and ``reply`` (the server's words). The
outbox knows nothing of who owns the address; the app that does decides what follows
(members suppresses announcements to it and flags it to the coordinators).
"""

from django.dispatch import Signal

address_refused = Signal()
