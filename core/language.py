"""The visitor's language choice: the cookie that the site follows, and a signal for who stores it.

The footer's switcher (``/bahasa/<code>/``) sets the cookie and sends ``language_chosen``;
``members`` listens and keeps a logged-in member's language (the one their email is
written in) the same as the site's. The profile page sets the cookie the other way round.
"""

from django.conf import settings
from django.dispatch import Signal

# Sent with ``request`` and ``language`` (a code of settings.LANGUAGES) after a visitor chose it.
language_chosen = Signal()


def set_language_cookie(response, language: str) -> None:
    """The cookie Django's ``set_language`` sets, with the same attributes."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
