from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from core import admin_login, health, robots
from home import security_txt
from home import views as home_views
from members import views as members_views
from members.admin import views as members_admin_views

urlpatterns = [
    # One login for everyone (core/admin_login.py): before the admin's own patterns.
    path("admin/login/", admin_login.admin_login, name="admin_login"),
    re_path(r"^admin/password_reset/(?P<rest>.*)$", admin_login.admin_password_reset, name="admin_password_reset"),
    # The site history within a sub-branch coordinator's districts (members.scope): before the admin's own.
    path("admin/reports/site-history/", members_admin_views.site_history),
    path("admin/reports/site-history/results/", members_admin_views.site_history_results),
    path("admin/", include(wagtailadmin_urls)),
    path("dokumen/", include(wagtaildocs_urls)),
    path("akun/", include("allauth.urls")),
    path("anggota/", include("members.urls")),
    path("privasi/", members_views.privacy, name="privacy"),
    path("sertifikat/<str:number>/", members_views.certificate_verify, name="certificate_verify"),
    # Public check of a member card (the card's QR code): a contract (docs/architecture.md).
    path("kta/<path:number>/", members_views.card_check, name="member_card_check"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("bahasa/<str:code>/", home_views.switch_language, name="switch_language"),
    path("cari/", home_views.search, name="search"),
    path("healthz/", health.healthz, name="healthz"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path(".well-known/security.txt", security_txt.security_txt, name="security_txt"),
    path("robots.txt", robots.robots_txt, name="robots_txt"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other path from the page tree; keep it last. The calendars
# (<page url>kalender.ics) have a dot that Wagtail's own pattern refuses: programs.urls
# hands them to the same router.
urlpatterns += [path("", include("programs.urls")), path("", include(wagtail_urls))]
