from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = _("News")

    def ready(self):
        from core.pagecache import invalidate_on_change

        from .models import NewsCategory

        invalidate_on_change(NewsCategory)  # category names show on cards and articles
