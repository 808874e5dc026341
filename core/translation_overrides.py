"""Messages of Django, Wagtail and allauth that the portal words differently in Indonesian.

Our catalogue (site/locale, first in LOCALE_PATHS) wins over the libraries' own. These
msgids are not in our code, so they are listed here for ``makemessages`` to keep them in
the catalogue; nothing imports this module. The libraries' Indonesian says "Kata Kunci",
"Sandi anda" and "mengkonfirmasi" where the portal says "Kata sandi" and "mengonfirmasi",
and Wagtail's "%(related_model_name)s %(field_label)s" makes column headings such as
"Anggota nama lengkap" (Indonesian puts the noun first: "Nama lengkap anggota").
"""

# ruff: noqa: RUF001 - the msgids are Django's, with its typographic apostrophes
from django.utils.translation import gettext_noop

OVERRIDES = (
    # Django (contrib.auth): the password field and the password validators' help texts.
    gettext_noop("Password"),
    gettext_noop("password"),
    gettext_noop("Password confirmation"),
    gettext_noop("New password"),
    gettext_noop("New password confirmation"),
    gettext_noop("Old password"),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Password changed successfully."),
    # allauth
    gettext_noop("You have confirmed %(email)s."),
    # Wagtail: a column of a related model's field.
    gettext_noop("%(related_model_name)s %(field_label)s"),
    gettext_noop("Yes"),
    gettext_noop("No"),
)
