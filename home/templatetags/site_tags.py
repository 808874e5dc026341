from django import template
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar
from wagtail.models import Page, Site

from core import pagecache, prepared
from home import sharing

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The live pages under the site root that editors marked "show in menus"."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    root = site.root_page
    # get_children().live().in_menu(), compiled once per process (core/prepared.py).
    return prepared.run(
        "home.main_menu",
        lambda path, depth: (
            Page.objects.filter(path__startswith=path, depth=depth, live=True, show_in_menus=True)
            .only("id", "title", "url_path", "path", "depth")
            .order_by("path")
        ),
        root.path,
        root.depth + 1,
    )


@register.simple_tag(takes_context=True)
def page_sharing(context):
    """The Open Graph, Twitter and JSON-LD values of the page being rendered (home.sharing)."""
    return sharing.for_page(context["page"].specific, context.get("request"))


@register.simple_tag(takes_context=True)
def staff_userbar(context):
    """Wagtail's userbar (``{% wagtailuserbar %}``), asked for staff only.

    Whether a visitor may enter the admin is known once per session (``pagecache.is_staff``):
    a member's page spends no query on the permissions the userbar reads (two, on each page
    the page cache does not serve them). Wagtail's tag still checks the permission itself.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    session = getattr(request, "session", None)
    if session is not None and not pagecache.is_staff(user, session=session):
        return ""
    return wagtailuserbar(context)
