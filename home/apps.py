from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Home and site settings")

    def ready(self):
        from core.pagecache import invalidate_on_change

        from .models import SiteSettings

        invalidate_on_change(SiteSettings)  # identity, contacts and links show on every page
