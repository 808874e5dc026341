from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Page
from wagtail.search import index

from core import html, numbering, prepared
from core.pages import ServedPageMixin

# The fields a member number's pattern may use besides ``seq`` (members.numbers fills them).
MEMBER_NUMBER_FIELDS = ("regency", "district", "year")


class CustomImage(AbstractImage):
    """The site's image model: Wagtail's, plus the photographer's credit.

    Alt text lives in Wagtail's own ``description`` field.
    """

    credit = models.CharField(_("credit"), max_length=255, blank=True)

    admin_form_fields = (*Image.admin_form_fields, "credit")

    class Meta(AbstractImage.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")


class CustomRendition(AbstractRendition):
    image = models.ForeignKey(CustomImage, on_delete=models.CASCADE, related_name="renditions")

    def img_tag(self, extra_attributes=None):
        """Wagtail's ``<img>``, its attributes written by :func:`core.html.attributes` (the same text
        as Django's ``flatatt``, which formats each attribute through ``format_html``: a tenth of an
        uncached article with its cards)."""
        attrs = self.attrs_dict.copy()
        attrs.update(apps.get_app_config("wagtailimages").default_attrs)
        if extra_attributes:
            attrs.update(extra_attributes)
        return mark_safe(f"<img{html.attributes(attrs)}>")  # noqa: S308 - every value escaped

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


class HomePage(ServedPageMixin, Page):
    """The site root: a welcome, then the latest news and trainings (added by their apps)."""

    intro = models.TextField(_("intro"), blank=True)
    hero_image = models.ForeignKey(
        CustomImage,
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    featured_article = models.ForeignKey(
        "news.NewsArticlePage",
        verbose_name=_("featured article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown first on the home page, above the latest news."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("featured_article"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1
    cache_anonymous = True  # core/pagecache.py
    # core/sites.py: the root page is read with its hero image and its featured article with that one's image.
    serve_select_related = ("hero_image", "featured_article__feature_image")

    class Meta:
        verbose_name = _("home page")

    @property
    def share_image(self):  # home.sharing
        return self.hero_image

    @property
    def share_description(self) -> str:
        return self.search_description or self.intro


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Who the branch is and how to reach it; shown in the header and footer."""

    organisation_name = models.CharField(_("organisation name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    logo = models.ForeignKey(
        CustomImage, verbose_name=_("logo"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    facebook_url = models.URLField(_("Facebook"), blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    youtube_url = models.URLField(_("YouTube"), blank=True)
    tiktok_url = models.URLField(_("TikTok"), blank=True)
    x_url = models.URLField(_("X (Twitter)"), blank=True)
    regency_code = models.CharField(
        _("regency code"),
        max_length=10,
        default="1219",
        help_text=_("The regency's Kemendagri/BPS code (Batu Bara: 1219); part of member numbers and NIK checks."),
    )
    member_number_pattern = models.CharField(
        _("member number pattern"),
        max_length=100,
        default="{regency}.{district}.{year}.{seq:04d}",
        help_text=_(
            "How new member numbers are written: {regency} the regency code, {district} the district's code, "
            "{year} the year of verification, {seq} the running number ({seq:04d}: four digits). Numbers "
            "already given keep their form."
        ),
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("organisation_name"), FieldPanel("short_name"), FieldPanel("tagline"), FieldPanel("logo")],
            heading=_("Identity"),
        ),
        MultiFieldPanel(
            [FieldPanel("address"), FieldPanel("phone"), FieldPanel("whatsapp"), FieldPanel("email")],
            heading=_("Contacts"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("instagram_url"),
                FieldPanel("youtube_url"),
                FieldPanel("tiktok_url"),
                FieldPanel("x_url"),
            ],
            heading=_("Social media"),
        ),
        MultiFieldPanel(
            [FieldPanel("regency_code"), FieldPanel("member_number_pattern")],
            heading=_("Membership"),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")

    @classmethod
    def for_site(cls, site):
        """Wagtail's get_or_create for the site: read with the Site when core.sites read it (the
        request's Site, for a page Wagtail serves), else compiled once per process (core/prepared.py)."""
        if site is not None and site.pk:
            relation = getattr(type(site), cls._meta.get_field("site").remote_field.get_accessor_name()).related
            if relation.is_cached(site):
                found = relation.get_cached_value(site)
                if found is not None:
                    return found
            found = prepared.run(
                "home.site_settings", lambda site_id: cls.base_queryset().filter(site=site_id), site.pk
            )
            if found:
                return found[0]
        return super().for_site(site)

    def clean(self):
        super().clean()
        if numbering.pattern_errors(self.member_number_pattern, fields=MEMBER_NUMBER_FIELDS):
            raise ValidationError(
                {
                    "member_number_pattern": _(
                        "Use {seq} once, and only {regency}, {district} and {year} besides it, "
                        "for example {regency}.{district}.{year}.{seq:04d}."
                    )
                }
            )

    @property
    def social_links(self) -> list[tuple[str, str]]:
        links = [
            ("Facebook", self.facebook_url),
            ("Instagram", self.instagram_url),
            ("YouTube", self.youtube_url),
            ("TikTok", self.tiktok_url),
            ("X", self.x_url),
        ]
        return [(name, url) for name, url in links if url]

    @property
    def whatsapp_link(self) -> str:
        digits = "".join(ch for ch in self.whatsapp if ch.isdigit())
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        return f"https://wa.me/{digits}" if digits else ""
