"""Demo content of the home app: the site, its settings, districts and staff groups."""

import io
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.images import ImageFile
from django.utils.text import slugify
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Locale, Page, Site

from .models import District, HomePage, SiteSettings

DISTRICTS = [
    "Air Putih",
    "Datuk Lima Puluh",
    "Datuk Tanah Datar",
    "Laut Tador",
    "Lima Puluh",
    "Lima Puluh Pesisir",
    "Medang Deras",
    "Nibung Hangus",
    "Sei Balai",
    "Sei Suka",
    "Talawi",
    "Tanjung Tiram",
]

EDITOR_GROUP = "Editor"
COORDINATOR_GROUP = "Koordinator"

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
EDITOR_COLLECTION_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}


def seed(*, log: Callable[[str], None], accounts: bool = False) -> None:
    home = seed_home_page(log)
    seed_site_settings(home, log)
    seed_districts(log)
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


def seed_districts(log) -> None:
    created = 0
    for order, name in enumerate(DISTRICTS, start=1):
        _, was_created = District.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "sort_order": order}
        )
        created += was_created
    if created:
        log(f"{created} districts created")


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


def demo_image(title: str, colour: tuple[int, int, int]):
    """A plain illustration (diagonal stripes in one colour) so that listings and shared links show a picture.

    Stripes only, edge to edge: any crop of it (cards, the hero, the 1200x630 share picture) looks
    deliberate, with no blank band that reads as a picture failing to load.
    """
    from PIL import Image, ImageDraw

    image_model = get_image_model()
    existing = image_model.objects.filter(title=title).first()
    if existing is not None:
        return existing
    picture = Image.new("RGB", (1600, 900), colour)
    draw = ImageDraw.Draw(picture)
    for step in range(-600, 1600, 80):
        draw.line([(step, 900), (step + 600, 0)], fill=tuple(min(255, c + 25) for c in colour), width=18)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    return image_model.objects.create(
        title=title,
        file=ImageFile(buffer, name=f"{title.lower().replace(' ', '-')}.jpg"),
        description=f"Ilustrasi: {title}",
        credit="Dokumentasi PC GP Ansor Batu Bara",
    )
