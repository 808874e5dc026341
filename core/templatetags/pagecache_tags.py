"""``{% per_visitor_include "template.html" %}``: a part of a cacheable page drawn for each visitor.

The template is rendered with the request's context processors only (``user``, ``request``,
``csrf_token``, settings), the same way when the page renders and when a member is served the
stored page with it drawn again (core.pagecache.per_visitor), so both show the same thing.
"""

from django import template

from core import pagecache

register = template.Library()


@register.simple_tag(takes_context=True)
def per_visitor_include(context, template_name, keep=False):
    """``keep=True``: the drawing may be kept for each member (it shows only what their user row
    says, which members.signals follows); never for anything shown once, such as messages."""
    request = context.get("request")
    if request is None:
        return pagecache.render_include(None, template=template_name)
    name = pagecache.KEPT_INCLUDE_FRAGMENT if keep else pagecache.INCLUDE_FRAGMENT
    return pagecache.per_visitor(request, name, template=template_name)


@register.simple_tag(takes_context=True)
def per_visitor_messages(context, template_name="includes/messages.html"):
    """The messages waiting for the visitor, drawn for each visitor, never kept (shown once)."""
    request = context.get("request")
    if request is None:
        return pagecache.render_include(None, template=template_name)
    return pagecache.per_visitor(request, pagecache.MESSAGES_FRAGMENT, template=template_name)
