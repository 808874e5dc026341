from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The layer below every app: infrastructure (page cache, middleware, health, uploads) and shared data."""

    name = "core"
    verbose_name = _("Shared data")

    def ready(self):
        from . import pagecache, patches, visibility

        patches.apply()
        pagecache.connect_signals()
        visibility.connect_signals()
