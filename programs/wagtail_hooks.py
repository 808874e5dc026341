from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Partner


class PartnerViewSet(SnippetViewSet):
    model = Partner
    icon = "group"
    menu_label = _("Partners")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "kind", "link"]
    list_filter = ["kind"]
    search_fields = ["name"]
    ordering = ["sort_order", "name"]


register_snippet(PartnerViewSet)
