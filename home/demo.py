"""Demo content of the home app: the site, its settings and staff groups."""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Locale, Page, Site

from core.roles import COORDINATOR_GROUP, EDITOR_GROUP

from .models import HomePage, SiteSettings

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
EDITOR_COLLECTION_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}


def seed(*, log: Callable[[str], None], accounts: bool = False) -> None:
    home = seed_home_page(log)
    seed_site_settings(home, log)
    seed_groups(home, log)


def seed_tree_roots() -> Page:
    """The roots that Wagtail's migrations create, again if a database flush removed them."""
    locale = Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first() or Locale.objects.first()
    if locale is None:
        locale = Locale.objects.create(language_code=settings.LANGUAGE_CODE)
    if Collection.get_first_root_node() is None:
        Collection.add_root(instance=Collection(name="Root"))
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    return root


def seed_home_page(log) -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        root = seed_tree_roots()
        # Wagtail's first migration leaves a bare "Welcome" page where the home page belongs.
        for welcome in root.get_children().filter(content_type__model="page", numchild=0):
            welcome.delete()
        home = root.add_child(
            instance=HomePage(
                title="PC GP Ansor Kabupaten Batu Bara",
                slug="beranda",
                intro=(
                    "Portal Pimpinan Cabang Gerakan Pemuda Ansor Kabupaten Batu Bara: berita organisasi, "
                    "program kerja, dan pendaftaran pelatihan kader."
                ),
                seo_title="PC GP Ansor Batu Bara",
                search_description=(
                    "Berita, program kerja dan pelatihan kader GP Ansor Kabupaten Batu Bara, Sumatera Utara."
                ),
            )
        )
        home.save_revision().publish()
        log("home page created")
    # The site's host and port make Wagtail's absolute URLs (canonical links, sitemap, feeds)
    # match SITE_URL; SITE_URL is where the site is served, so they follow it on every run
    # (`PORT=8701 make run` after a first run on 8000).
    site_url = urlsplit(settings.SITE_URL)
    hostname = site_url.hostname or "localhost"
    port = site_url.port or (443 if site_url.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname=hostname, port=port, root_page=home, is_default_site=True, site_name="GP Ansor Batu Bara"
        )
        log("site created")
        return home
    if site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = site.site_name or "GP Ansor Batu Bara"
        site.save()
        log("site now points at the home page")
    taken = Site.objects.filter(hostname=hostname, port=port).exclude(pk=site.pk).exists()
    if (site.hostname, site.port) != (hostname, port) and not taken:
        site.hostname, site.port = hostname, port
        site.save(update_fields=["hostname", "port"])
        log(f"site now at {hostname}:{port} (SITE_URL)")
    return home


def seed_site_settings(home: HomePage, log) -> None:
    site = Site.objects.get(is_default_site=True)
    _, created = SiteSettings.objects.get_or_create(
        site=site,
        defaults={
            "organisation_name": "PC GP Ansor Kabupaten Batu Bara",
            "short_name": "GP Ansor Batu Bara",
            "tagline": "Pimpinan Cabang Gerakan Pemuda Ansor Kabupaten Batu Bara, Sumatera Utara",
            "address": "Sekretariat PC GP Ansor Batu Bara\nKabupaten Batu Bara, Sumatera Utara",
            "email": "sekretariat@ansor-batubara.or.id",
        },
    )
    if created:
        log("site settings created")


def seed_groups(home: HomePage, log) -> None:
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    editors, created = Group.objects.get_or_create(name=EDITOR_GROUP)
    if created:
        editors.permissions.add(access_admin)
        for codename in EDITOR_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=editors,
                page=home,
                permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
            )
        root_collection = Collection.get_first_root_node()
        for app_label, codenames in EDITOR_COLLECTION_PERMISSIONS.items():
            for codename in codenames:
                GroupCollectionPermission.objects.get_or_create(
                    group=editors,
                    collection=root_collection,
                    permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
                )
        log(f"group {EDITOR_GROUP} created")
    coordinators, created = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    if created:
        # Coordinators work in the admin but never publish content; the member and
        # enrollment permissions are added by the apps that own those models.
        coordinators.permissions.add(access_admin)
        log(f"group {COORDINATOR_GROUP} created")


def finish(*, log: Callable[[str], None], seeded: dict) -> None:
    """Feature the coordination meeting, when ``news`` just created it (an editor's choice, even "none", survives)."""
    article = seeded.get("news")
    home = HomePage.objects.first()
    if article is not None and home is not None and home.featured_article_id is None:
        home.featured_article = article
        home.save_revision().publish()
        log("featured article set on the home page")
