"""Development: DEBUG on, everything else from the environment or its defaults."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
INTERNAL_IPS = ["127.0.0.1"]
# NIKs work in development with a key that protects nothing real (production needs its own).
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="dev-only-field-encryption-key")
NIK_ENABLED = env.bool("NIK_ENABLED", default=True)
# Serve uploaded files and unhashed static files from runserver.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files straight from the app and site folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Email: EMAIL_URL=consolemail:// (the default) writes each email as readable files under
# var/mail/ (the decoded text part with links whole, the HTML part, attachments) and prints
# one line saying where (core/devmail.py); the console's raw quoted-printable breaks links.
# Any other EMAIL_URL (smtp://..., filemail://...) is used as given.
if MAILERS["default"]["BACKEND"] == "django.core.mail.backends.console.EmailBackend":  # noqa: F405
    MAILERS["default"] = {  # noqa: F405
        "BACKEND": "core.devmail.EmailBackend",
        "OPTIONS": {"directory": str(BASE_DIR / "var" / "mail")},  # noqa: F405
    }
