"""Each settings module loads from the environment, and production is safe to deploy."""

import json
import secrets

import pytest

from .processes import manage, project_env

pytestmark = pytest.mark.slow

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "ansor-batubara.example",
    "CSRF_TRUSTED_ORIGINS": "https://ansor-batubara.example",
    "SITE_URL": "https://ansor-batubara.example",
    "EMAIL_URL": "smtp+tls://portal:secret@mail.ansor-batubara.example:587",
    "DATABASE_URL": "sqlite:////tmp/portal-production-check.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/13",
}

SHOW_SETTINGS = (
    "shell",
    "-c",
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'db': s.DATABASES['default']['ENGINE'], "
    "'cache': s.CACHES['default']['BACKEND'], 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': s.CELERY_BROKER_URL, 'mailer': s.MAILERS['default'], 'lang': s.LANGUAGE_CODE, "
    "'tz': s.TIME_ZONE, 'ssl_redirect': getattr(s, 'SECURE_SSL_REDIRECT', False)}))",
)


def load_settings(**env: str) -> dict:
    result = manage(*SHOW_SETTINGS, env=project_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["config.settings.dev", "config.settings.test"])
def test_settings_module_loads_with_working_defaults(module):
    loaded = load_settings(DJANGO_SETTINGS_MODULE=module, DATABASE_URL="sqlite:////tmp/portal-settings.sqlite3")
    assert loaded["db"] == "django.db.backends.sqlite3"
    assert loaded["cache"].endswith("LocMemCache")
    assert loaded["eager"] is True, "without REDIS_URL, Celery tasks run in-process"
    assert loaded["lang"] == "id"
    assert loaded["tz"] == "Asia/Jakarta"


def test_dev_defaults_write_mail_as_readable_files_and_run_with_debug():
    loaded = load_settings(DJANGO_SETTINGS_MODULE="config.settings.dev")
    assert loaded["debug"] is True
    # EMAIL_URL=consolemail:// (the default): files under var/mail/ and one line on the console
    # (core/devmail.py), not the raw quoted-printable that breaks links.
    assert loaded["mailer"]["BACKEND"] == "core.devmail.EmailBackend"


def test_environment_selects_postgres_redis_and_smtp():
    loaded = load_settings(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal",
        REDIS_URL="redis://127.0.0.1:6379/3",
        EMAIL_URL="smtp+tls://mailer:s3cret@mail.example.org:587",
    )
    assert loaded["db"] == "django.db.backends.postgresql"
    assert loaded["cache"].endswith("RedisCache")
    assert loaded["eager"] is False, "with REDIS_URL, tasks go to workers"
    assert loaded["broker"] == "redis://127.0.0.1:6379/3"
    assert loaded["mailer"] == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": "mail.example.org",
            "port": 587,
            "username": "mailer",
            "password": "s3cret",
            "use_tls": True,
            "use_ssl": False,
            "timeout": 30,
        },
    }


def test_filemail_url_maps_to_the_file_backend(tmp_path):
    loaded = load_settings(DJANGO_SETTINGS_MODULE="config.settings.dev", EMAIL_URL=f"filemail:///{tmp_path}")
    assert loaded["mailer"] == {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(tmp_path)},
    }


def test_production_loads_with_debug_off_and_https_redirect():
    loaded = load_settings(**PRODUCTION_ENV)
    assert loaded["debug"] is False
    assert loaded["ssl_redirect"] is True


def test_production_ssl_redirect_can_be_switched_off_behind_a_tls_proxy():
    loaded = load_settings(**PRODUCTION_ENV, SECURE_SSL_REDIRECT="0")
    assert loaded["ssl_redirect"] is False


def test_production_refuses_to_start_without_secret_key():
    env = project_env(**PRODUCTION_ENV)
    env.pop("SECRET_KEY")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_to_start_with_nik_enabled_and_no_encryption_key():
    result = manage("check", env=project_env(**PRODUCTION_ENV, NIK_ENABLED="1"))
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be set in production" in result.stderr


def test_production_refuses_console_email():
    result = manage("check", "--deploy", env=project_env(**(PRODUCTION_ENV | {"EMAIL_URL": "consolemail://"})))
    assert result.returncode != 0
    assert "development-only email backend" in result.stderr


def test_production_passes_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=project_env(**PRODUCTION_ENV))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SHOW_SECURITY_SETTINGS = (
    "shell",
    "-c",
    "import json; from django.conf import settings as s; "
    "print(json.dumps({name: getattr(s, name) for name in ["
    "'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', "
    "'CSRF_COOKIE_SAMESITE', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'X_FRAME_OPTIONS', "
    "'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', 'SECURE_CROSS_ORIGIN_OPENER_POLICY', "
    "'WAGTAILDOCS_MAX_UPLOAD_SIZE', 'WAGTAILIMAGES_MAX_UPLOAD_SIZE', 'WAGTAILIMAGES_EXTENSIONS']}))",
)


def test_production_cookies_and_headers_are_strict():
    result = manage(*SHOW_SECURITY_SETTINGS, env=project_env(**PRODUCTION_ENV))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["SESSION_COOKIE_SECURE"] and loaded["CSRF_COOKIE_SECURE"], "cookies only over HTTPS"
    assert loaded["SESSION_COOKIE_HTTPONLY"], "no script reads the session cookie"
    assert loaded["SESSION_COOKIE_SAMESITE"] == loaded["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert loaded["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert loaded["X_FRAME_OPTIONS"] == "DENY"
    assert loaded["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert loaded["SECURE_REFERRER_POLICY"] == "strict-origin-when-cross-origin"
    assert loaded["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert loaded["WAGTAILDOCS_MAX_UPLOAD_SIZE"] == 20 * 1024 * 1024
    assert "svg" not in loaded["WAGTAILIMAGES_EXTENSIONS"]
