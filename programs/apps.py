from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs and trainings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.pagecache import invalidate_on_change, register_fragment

        from . import panels, receivers  # noqa: F401  (connects the receivers)
        from .models import Partner

        invalidate_on_change(Partner)  # partners show on the home, program and training pages
        # Kept per member: the only panel (members') follows pagecache's rules for kept drawings.
        register_fragment(panels.FRAGMENT, panels.draw_for_visitor, keep_per_visitor=True)
