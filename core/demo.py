"""Demo data shared by every app: the regency's districts, and plain pictures for demo pages."""

import io
from collections.abc import Callable

from django.core.files.images import ImageFile
from django.utils.text import slugify
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from .models import District

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
# The districts' codes within the regency (the last two digits of the Kemendagri code 12.19.xx):
# the seven districts of 2007 first, then the five formed later. Editable in the admin; check
# them against the current Kepmendagri list before printing member cards.
DISTRICT_CODES = {
    "Medang Deras": "01",
    "Air Putih": "02",
    "Lima Puluh": "03",
    "Sei Balai": "04",
    "Sei Suka": "05",
    "Talawi": "06",
    "Tanjung Tiram": "07",
    "Nibung Hangus": "08",
    "Datuk Lima Puluh": "09",
    "Datuk Tanah Datar": "10",
    "Lima Puluh Pesisir": "11",
    "Laut Tador": "12",
}


def site_root() -> Page | None:
    """The default site's root page (the home page, once ``home`` seeded it), for apps that add pages under it."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page.specific if site else None


def seed(*, log: Callable[[str], None], accounts: bool = False) -> None:
    seed_districts(log)


def seed_districts(log) -> None:
    created = 0
    for order, name in enumerate(DISTRICTS, start=1):
        _, was_created = District.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "sort_order": order, "code": DISTRICT_CODES[name]}
        )
        created += was_created
    if created:
        log(f"{created} districts created")
    # Districts seeded before they had codes get them; a code set in the admin stays.
    for name, code in DISTRICT_CODES.items():
        District.objects.filter(slug=slugify(name), code="").update(code=code)


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
