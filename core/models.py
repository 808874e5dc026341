from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class District(models.Model):
    """A kecamatan of the regency; sub-branches (PAC), profiles and eligibility refer to it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(
        _("code"),
        max_length=10,
        blank=True,
        help_text=_("The district's code within the regency (Kemendagri/BPS, e.g. 05): part of member numbers."),
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("code"), FieldPanel("sort_order")]

    class Meta:
        db_table = "home_district"  # its table from before it moved here out of home (core/migrations/0001)
        ordering = ["sort_order", "name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self):
        return self.name
