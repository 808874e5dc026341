from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from . import notifications, signals  # noqa: F401 - notifications registers its attachment maker

        signals.connect()
