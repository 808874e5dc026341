"""URL converters that refuse, at routing, what no database row could match.

``<int:...>`` accepts any number of digits, and a number beyond 64 bits makes SQLite raise
OverflowError in the lookup (Django's out-of-range guard covers integer fields, not the
primary keys of page models that point to ``wagtailcore_page``). ``<str:...>`` accepts NUL,
which PostgreSQL refuses in a query. These answer 404 instead.
"""

from django.urls import register_converter


class DatabaseIdConverter:
    """A positive primary key: at most 18 digits, well inside a signed 64-bit integer."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class UrlSafeTokenConverter:
    """A secret made by ``secrets.token_urlsafe``: letters, digits, ``-`` and ``_`` only."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DatabaseIdConverter, "id")
register_converter(UrlSafeTokenConverter, "token")
