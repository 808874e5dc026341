"""Wagtail's image tags (``{% image %}``, ``{% srcset_image %}``, ``{% picture %}``), their filters parsed once.

Wagtail's nodes build a ``Filter`` for each spec on every render, and each ``Filter`` parses its
operations again (``inspect.getcallargs`` per operation): about a tenth of an uncached article.
The specs are written in the template, so the nodes here keep the filters they built: code, like
the compiled template that holds them, never an image or a rendition (those are read per render).

The site's templates ``{% load kept_images %}`` where they would load ``wagtailimages_tags``: the
same tags and filters (every other one is Wagtail's own), the same HTML.
"""

from django import template
from wagtail.images.templatetags import wagtailimages_tags as wagtail_tags

register = template.Library()
register.tags.update(wagtail_tags.register.tags)
register.filters.update(wagtail_tags.register.filters)


class KeptImageNode(wagtail_tags.ImageNode):
    def get_filter(self):
        kept = self.__dict__.get("_kept_filter")
        if kept is None:
            kept = self._kept_filter = super().get_filter()
        return kept


class KeptSrcsetImageNode(wagtail_tags.SrcsetImageNode):
    def get_filters(self):
        kept = self.__dict__.get("_kept_filters")
        if kept is None:
            kept = self._kept_filters = super().get_filters()
        return list(kept)


class KeptPictureNode(wagtail_tags.PictureNode, KeptSrcsetImageNode):
    pass


KEPT = {
    wagtail_tags.ImageNode: KeptImageNode,
    wagtail_tags.SrcsetImageNode: KeptSrcsetImageNode,
    wagtail_tags.PictureNode: KeptPictureNode,
}


def _keeping(compile_function):
    def compile_node(parser, token):
        node = compile_function(parser, token)
        kept = KEPT.get(type(node))
        if kept is not None:
            node.__class__ = kept
        return node

    return compile_node


for _name in ("image", "srcset_image", "picture"):
    register.tag(_name, _keeping(wagtail_tags.register.tags[_name]))
