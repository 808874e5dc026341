"""Settings shared by every environment.

Everything that differs between a laptop, CI and a server comes from the
environment (see README's configuration table); the defaults give a working
development site with nothing else installed.

Longer than 400 lines on purpose: one file that a newcomer reads top to bottom to see
every setting and why it is set (README's configuration table lists the environment).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from wagtail.embeds import oembed_providers

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The port `make run` serves on; unless SITE_URL says otherwise, links in emails and the Wagtail
# Site (``seed_demo``) follow it, so `PORT=8701 make run` works end to end.
PORT = env.int("PORT", default=8000)
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    # Project apps, lowest layer first (docs/architecture.md). Nothing depends on this order:
    # the apps meet through signals, hooks and the outbox, never through who loads first.
    "core",
    "tasks",
    "news",
    "programs",
    "home",
    "members",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Accounts
    "allauth",
    "allauth.account",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors' pages from the cache, before sessions, CSRF and CSP (core/pagecache.py).
    "core.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Cache-Control: private for sessions' pages, no-store for member pages (its response phase
    # runs once the view has touched the session).
    "core.middleware.PrivateCacheControlMiddleware",
    "core.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Members' copies of the same stored pages, their own fragments drawn in (core/pagecache.py).
    "core.pagecache.MemberPageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.middleware.AdminContentSecurityPolicyMiddleware",
    # Oversized bodies refused by their Content-Length before anything reads them (413); listed
    # after the CSP middleware so that its page gets the site's headers and nonce.
    "core.middleware.RequestBodyLimitMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # The Site (with its settings) and every Site's root path from one query, for pages and the
    # member and account pages (core/sites.py).
    "core.sites.SiteMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
    # Plain text for people: email subjects and text/plain parts are rendered without HTML
    # escaping (DESIGN.md invariant 7: "Nur'aini" and "Kopi & Kue" stay as written). Same
    # template folders; only code that asks for it by name (using="text") renders here.
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# Database: SQLite by default; PostgreSQL through DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue up instead of failing with "database is locked", and readers
    # do not block the writer (see DESIGN.md, stack notes).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's database search backend uses PostgreSQL's full-text search there.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache, Celery broker and result store. Unset: local memory cache and
# Celery tasks run eagerly in the web process.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, reusing its Redis client, and answering as a miss (with a
            # warning) while Redis is down instead of failing the request (core/cache.py).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            # A Redis that hangs costs a page a second at most (then it is skipped for a while).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous pages: how long a cached page may live at most (publishing and seat changes
# invalidate it at once; see core/pagecache.py). 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)
# Its memory: at most this many new entries per content change and PAGE_CACHE_SECONDS, none
# larger than this (body and gzip together); see README for Redis's maxmemory.
PAGE_CACHE_MAX_ENTRIES = env.int("PAGE_CACHE_MAX_ENTRIES", default=1000)
PAGE_CACHE_MAX_ENTRY_BYTES = env.int("PAGE_CACHE_MAX_ENTRY_BYTES", default=512 * 1024)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within an hour is delivered again; the outbox's claim makes that harmless.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
# A request that queues a task must not hang on a broker that is down: the outbox sweeper
# picks up what could not be queued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_RESULT_EXPIRES = 24 * 3600
# How often beat sweeps the outbox for rows that could not be queued (the broker was down)
# or whose worker died; the sweeper leaves rows younger than 30 s to their own task.
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0)
# The beat schedule lives in code (no django-celery-beat; see README); crontab times are WIB
# (CELERY_TIMEZONE). Each job lives in its own app's tasks.py; this composition root names them.
CELERY_BEAT_SCHEDULE = {
    "publish-scheduled-pages": {
        "task": "core.publish_scheduled_pages",
        "schedule": crontab(),  # every minute
    },
    "training-reminders": {
        "task": "members.send_training_reminders",
        "schedule": crontab(minute="*/15"),  # each training's rules (members/reminders.py), each sent once
    },
    "waitlist-offers": {
        "task": "members.process_offers",
        "schedule": 300.0,  # unanswered offers pass their seat on; reminders before they expire
    },
    "follow-up-enrollments": {
        "task": "members.follow_up_enrollments",
        "schedule": OUTBOX_SWEEP_SECONDS,  # new enrollments' emails and audit entries a broker outage left
    },
    "sweep-outbox": {
        "task": "tasks.sweep_outbox",
        "schedule": OUTBOX_SWEEP_SECONDS,  # what could not be queued (broker down) goes out then
    },
    "resume-import-jobs": {
        "task": "members.resume_import_jobs",
        "schedule": 300.0,  # member imports whose worker died go on where they stopped
    },
    "backup": {
        "task": "core.backup",
        "schedule": crontab(hour=2, minute=30),  # 02:30 WIB: one archive into BACKUP_ROOT, the newest BACKUP_KEEP kept
    },
    "expire-import-reports": {
        "task": "members.expire_import_reports",
        "schedule": crontab(hour=3, minute=0),  # reports name people: kept 30 days after their job
    },
    "issue-certificates": {
        "task": "members.issue_certificates",
        "schedule": crontab(minute="*/30"),  # after a training's last session, its certificates
    },
}

# Email: Django 6.1 mailers, configured from EMAIL_URL.
EMAIL_URL = env("EMAIL_URL", default="consolemail://")


def mailer_from_url(url: str) -> dict:
    """Translate django-environ's EMAIL_URL syntax into a Django 6.1 ``MAILERS`` entry."""
    parsed = environ.Env.email_url_config(url)
    backend = parsed["EMAIL_BACKEND"]
    options: dict = {}
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": parsed["EMAIL_HOST"] or "localhost",
            "port": parsed["EMAIL_PORT"] or 25,
            "username": parsed["EMAIL_HOST_USER"] or "",
            "password": parsed["EMAIL_HOST_PASSWORD"] or "",
            "use_tls": bool(parsed.get("EMAIL_USE_TLS")),
            "use_ssl": bool(parsed.get("EMAIL_USE_SSL")),
            "timeout": 30,
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": parsed["EMAIL_FILE_PATH"]}
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": mailer_from_url(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@localhost")
# The display name and Reply-To of every email: the site settings' organisation name and
# contact email (home/mail.py). A display name in DEFAULT_FROM_EMAIL itself wins over the name.
OUTBOX_SENDER_IDENTITY = "home.mail.sender_identity"
# Announcements (bulk mail) may go out from an address of their own (DESIGN.md's contract).
ANNOUNCEMENT_FROM_EMAIL = env("ANNOUNCEMENT_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
# The outbox's kinds of bulk mail, which go out from ANNOUNCEMENT_FROM_EMAIL (members/announcements.py).
OUTBOX_BULK_KINDS = ["announcement"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sessions live in the database and are read through the cache (a few minutes at most there):
# a Redis outage or restart logs nobody out (core/cache.py makes the cache itself degrade to
# misses while Redis is down), and a member's cached page costs no session query (core/sessions.py).
SESSION_ENGINE = "core.sessions"

# The NIK (members.nik): encrypted with a key derived from FIELD_ENCRYPTION_KEY (any long random
# secret, e.g. `python -c "import secrets; print(secrets.token_urlsafe(48))"`). Without a key nobody
# is asked for a NIK; production refuses to start with NIK_ENABLED and no key. Losing the key
# loses the stored NIKs (they read as empty). To change it (a key that leaked, a staff member who
# knew it left): the new key in FIELD_ENCRYPTION_KEY, the old one in FIELD_ENCRYPTION_KEY_FALLBACKS
# (comma-separated; read, never written), then `manage.py rotate_field_encryption_key`, then drop
# the fallback (as Django's SECRET_KEY_FALLBACKS).
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
FIELD_ENCRYPTION_KEY_FALLBACKS = env.list("FIELD_ENCRYPTION_KEY_FALLBACKS", default=[])
NIK_ENABLED = env.bool("NIK_ENABLED", default=bool(FIELD_ENCRYPTION_KEY))

# Accounts: email is the login; allauth handles sign-up and verification.
AUTH_USER_MODEL = "members.User"
# allauth's backend (email login; Django's ModelBackend beneath it), with the session's user
# read from the cache (members/backends.py): one backend that logs in, so a wrong password costs
# one hash. Before it, one that only refuses: a sub-branch coordinator gets no branch-wide admin
# (members.scope; it has no get_user, so no session is ever tied to it).
AUTHENTICATION_BACKENDS = ["members.scope.ScopeBackend", "members.backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/anggota/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Sign-up asks for a name and the privacy consent on top of email and password
# (members.forms.SignupForm creates the pending Member profile).
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[GP Ansor Batu Bara] "
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_SESSION_REMEMBER = None
# Rate limits (kept in the cache, so Redis in production). Many phones in Indonesia share
# one carrier address (CGNAT), so the per-IP limits are generous and the per-email ones
# strict. Too many wrong passwords answers HTTP 429 (members.adapter, site/templates/429.html).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "20/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
    # Enrolling in and cancelling a training (members.views), each of which emails the member:
    # per member and training, then per member over all trainings.
    "enrollment_change": "6/10m/key,30/h/user",
    # The public check of member cards (/kta/<number>/): people scan a card, nobody reads out numbers.
    "member_card_check": "20/m/ip,200/h/ip",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)

# Internationalisation: Indonesian first, English second, WIB.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [SITE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("id", "Bahasa Indonesia")]

# Static files and uploads.
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "static")
STATICFILES_DIRS = [SITE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Files nobody may fetch by URL (uploaded member lists waiting for their import job): outside
# MEDIA_ROOT, which the web server publishes under /media/. Workers on other machines need it
# shared, like MEDIA_ROOT.
PRIVATE_ROOT = env.path("PRIVATE_ROOT", default=BASE_DIR / "var" / "private")
STORAGES = {
    "default": {"BACKEND": "core.storages.MediaStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "core.staticfiles.StaticFilesStorage"},
}
# Backups (core/backup.py: manage.py backup and restore, beat's nightly core.backup): where the
# archives go, and how many beat keeps. Put BACKUP_ROOT on another disk, and copy it off the server.
BACKUP_ROOT = env.path("BACKUP_ROOT", default=BASE_DIR / "var" / "backups")
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
# Request bodies. Django's own limits: the fields other than files of one request (the admin's
# page editor posts a long article's blocks as fields) up to 5 MB and 10,000 fields, one file
# per form (the admin uploads one image or document at a time), and an uploaded file above
# 2.5 MB goes to a temporary file instead of memory. Django does not count file parts against
# DATA_UPLOAD_MAX_MEMORY_SIZE, so core.middleware.RequestBodyLimitMiddleware also refuses
# (413) a request whose Content-Length exceeds the limit of its path (REQUEST_BODY_LIMITS,
# below; the longest matching prefix counts), before anything reads it. A proxy in front must
# accept bodies of the largest limit (documents, 21 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Wagtail.
WAGTAIL_SITE_NAME = "PC GP Ansor Batu Bara"
WAGTAILADMIN_BASE_URL = SITE_URL
# One login for everyone (README "Security"): the admin sends visitors to allauth's log-in, with
# its rate limits and email verification, and comes back through ?next=. Wagtail's own log-in
# form and password reset are closed (core/admin_login.py), and passwords and email addresses
# are changed through allauth (/akun/password/change/, /akun/email/), not the admin's account page,
# which would change them without the throttle, the notification or the verification.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAILIMAGES_IMAGE_MODEL = "home.CustomImage"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Members' email addresses never leave the site for avatar lookups, and the admin does not
# phone home for release news (the servers may have no outbound internet).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Uploads in the admin: documents and images of the kinds listed, within these sizes. Wagtail
# refuses other extensions and oversized files; core.uploads.DocumentForm also refuses a
# document whose content is not what its extension says, and Wagtail opens every image and
# refuses one whose format differs from its extension. No SVG (it can carry scripts), no
# archives (they can carry anything).
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odp", "ods", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# A document opens in the browser only when it is a PDF; everything else downloads (Wagtail's
# default also shows text/plain inline). The proxy treats files under /media/ the same way.
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf"]
WAGTAILDOCS_DOCUMENT_FORM_BASE = "core.uploads.DocumentForm"
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# 64 megapixels: any phone camera's photo, while a decompression bomb is refused before it is decoded.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 64_000_000
# The request body limits of the upload views (core.middleware.RequestBodyLimitMiddleware,
# see DATA_UPLOAD_MAX_MEMORY_SIZE above): the largest file plus the rest of the form.
_MULTIPART_ALLOWANCE = 1024 * 1024  # the form's other fields and the multipart framing around a file
REQUEST_BODY_LIMITS = {
    # Every public and member form (log-in, sign-up, profile, enroll) is a few kilobytes.
    "/": 256 * 1024,
    "/admin/": DATA_UPLOAD_MAX_MEMORY_SIZE,
    "/admin/images/": WAGTAILIMAGES_MAX_UPLOAD_SIZE + _MULTIPART_ALLOWANCE,
    "/admin/documents/": WAGTAILDOCS_MAX_UPLOAD_SIZE + _MULTIPART_ALLOWANCE,
    "/admin/members/import/": 10 * 1024 * 1024 + _MULTIPART_ALLOWANCE,  # members.imports.MAX_UPLOAD_BYTES
}
# Embeds (the article body's video block): YouTube only, the one host the CSP lets into a frame;
# other oEmbed providers answer with scripts of their own.
WAGTAILEMBEDS_FINDERS = [{"class": "wagtail.embeds.finders.oembed", "providers": [oembed_providers.youtube]}]
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "png", "webp": "webp", "avif": "webp", "heic": "webp"}
# Templates ask for WebP renditions (JPEG only as the <picture> fallback and for og:image,
# which social networks' crawlers read): quality that keeps photos clean on a phone.
WAGTAILIMAGES_WEBP_QUALITY = 80
WAGTAILIMAGES_JPEG_QUALITY = 80

# Where to report a security problem (/.well-known/security.txt, README "Security"): an email
# address or a URL. Empty: the email in the site settings, the one the footer shows.
SECURITY_CONTACT = env("SECURITY_CONTACT", default="")

# Security headers, on every response.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page of the site uses, switched off for it and anything it embeds
# (core.middleware.PermissionsPolicyMiddleware). Check-in scans with the phone's camera app.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
# The session cookie is not sent on cross-site subrequests or POSTs (Lax, Django's default,
# so that a link from WhatsApp still arrives logged in). The CSRF cookie stays readable by
# JavaScript (CSRF_COOKIE_HTTPONLY off): Wagtail's admin reads it, and an attacker who can run
# script on the page could read the token from the form anyway.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": ["https://www.youtube-nocookie.com", "https://www.youtube.com"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# The Wagtail admin still carries inline styles and scripts; it gets a policy of
# its own (core.middleware) so that the public site can stay strict.
ADMIN_CSP = SECURE_CSP | {
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE, CSP.UNSAFE_EVAL],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", "https:"],
    "frame-src": [CSP.SELF, "https:"],
    "frame-ancestors": [CSP.SELF],
}
ADMIN_CSP_PATH_PREFIXES = ("/admin/",)
# A page previewed in the admin (panel or new tab): the public policy, framed by the admin only.
PREVIEW_CSP = SECURE_CSP | {"frame-ancestors": [CSP.SELF]}
# Member, account and admin pages are never stored, not even by the browser
# (core.middleware.PrivateCacheControlMiddleware); every other page built for a session says private.
NO_STORE_PATH_PREFIXES = ("/anggota/", "/akun/", "/admin/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler would print its messages a second time.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"level": "ERROR"},
        # Wagtail's in-process jobs (search index, reference index) log every run at INFO.
        "django_tasks": {"level": "WARNING"},
    },
}
