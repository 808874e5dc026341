"""How staff read a value in the admin: WIB times, Ya/Tidak/—, labels, and never a secret.

Wagtail's inspect view shows a model's raw values: ``True``, ``None``, aware datetimes in
UTC, choice codes. Every inspect view of the portal mixes in ``ReadableInspectMixin`` so
that each value goes through ``display_value`` once, in one place.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import models
from django.utils import dateformat, timezone
from django.utils.translation import gettext
from wagtail.admin.ui.tables import Column

from core.clock import WIB

EMPTY = "—"
# Field names that hold credentials: no inspect view shows them, whatever a view lists.
SECRET_FIELDS = frozenset({"calendar_token", "token", "secret", "password", "key"})


def display_datetime(value: datetime.datetime) -> str:
    """``02/12/2026 07.54 WIB``: the branch's clock, as the rest of the portal writes times."""
    if timezone.is_aware(value):
        value = value.astimezone(WIB)
    return f"{dateformat.format(value, 'd/m/Y H.i')} WIB"


def display_value(value):
    """A value as staff should read it; Components, HTML and other objects pass through."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return display_datetime(value)
    if isinstance(value, datetime.date):
        return dateformat.format(value, "d/m/Y")
    if isinstance(value, models.Model):
        return str(value)
    return value


class ReadableInspectMixin:
    """For Wagtail ``InspectView``s: secrets left out, every value through ``display_value``.

    ``field_displays`` maps a field name to a function of the object, for a field that needs
    more than a plain value (e.g. a phone number as a WhatsApp link).
    """

    field_displays: dict[str, Callable] = {}

    def get_fields(self):
        return [name for name in super().get_fields() if name not in SECRET_FIELDS]

    def get_field_display_value(self, field_name, field):
        if field_name in self.field_displays:
            return display_value(self.field_displays[field_name](self.object))
        return display_value(super().get_field_display_value(field_name, field))


class YesNoColumn(Column):
    """A yes/no field as words (Ya/Tidak/—): Wagtail's BooleanColumn titles its icons "True"/"None"."""

    def get_value(self, instance):
        return display_value(super().get_value(instance))
