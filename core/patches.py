"""Changes to libraries' code that do exactly what it did, cheaper (applied once, by core's AppConfig).

modelcluster's ``ClusterableModel.__init__`` (every Wagtail page, an article's related-page rows)
lists the model's child relations, scanning every field of the model twice, to find whether
any was passed as a keyword; then it calls ``Model.__init__``. A row read from the database
(``Model.from_db``) passes its values by position, never a keyword, so the scan finds nothing:
about 5 % of an uncached article, whose links are a dozen page instances. Here the scan is
skipped when no keyword is given; with keywords, modelcluster's own code runs.

Django's CSRF middleware draws each new secret and each token's mask (``_get_new_csrf_string``)
with ``get_random_string``: one ``SystemRandom.choice``, so one read of the OS's random source,
per character, 32 of them (46 µs). Every page with a form pays it once per answer (a member's
training page served from the page cache gets its panel's token so: about 8 % of the answer). Here the
32 characters come from one read, each from a byte below 248 (4 x 62), so each of the 62
characters is exactly as likely as with ``choice``.

Django's ``escape`` (every variable a template writes goes through it, a hundred and more on a
page) is wrapped by ``keep_lazy``, which looks through its arguments for a lazy string on each
call: two thirds of its time. Here a plain value goes straight to the function it wraps; a
lazy string still goes through the wrapper.
"""

import os

from django.middleware import csrf
from django.utils import html as django_html
from django.utils.functional import Promise
from modelcluster.models import ClusterableModel

_clusterable_init = ClusterableModel.__init__


def _init_without_keywords_skips_the_scan(self, *args, **kwargs):
    if kwargs:
        _clusterable_init(self, *args, **kwargs)
    else:
        super(ClusterableModel, self).__init__(*args)


# Each byte below 248 (4 x 62) read from the OS's random source stands for one of the 62 CSRF
# characters, all equally often; the bytes from 248 up are dropped.
_CSRF_BYTES = bytes(ord(csrf.CSRF_ALLOWED_CHARS[byte % len(csrf.CSRF_ALLOWED_CHARS)]) for byte in range(256))
_CSRF_DROPPED = bytes(range(256 - 256 % len(csrf.CSRF_ALLOWED_CHARS), 256))


def new_csrf_string() -> str:
    """``CSRF_SECRET_LENGTH`` characters of ``CSRF_ALLOWED_CHARS``, each drawn uniformly by the OS's random source."""
    length = csrf.CSRF_SECRET_LENGTH
    drawn = b""
    while len(drawn) < length:  # 48 bytes give 32 characters but once in about 10^13 draws
        drawn += os.urandom(48).translate(_CSRF_BYTES, _CSRF_DROPPED)
    return drawn[:length].decode("ascii")


_django_escape = django_html.escape
_escape_now = django_html.escape.__wrapped__  # the function keep_lazy wraps (functools.wraps)


def escape(text):
    """What ``django.utils.html.escape`` returns: Django's function, without the scan for a plain value."""
    if isinstance(text, Promise):
        return _django_escape(text)
    return _escape_now(text)


def apply() -> None:
    if ClusterableModel.__init__ is _clusterable_init:
        ClusterableModel.__init__ = _init_without_keywords_skips_the_scan
    csrf._get_new_csrf_string = new_csrf_string
    # conditional_escape (what templates call) finds escape in its module when it runs.
    django_html.escape = escape
