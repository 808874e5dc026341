"""The blocks of an article's body; each renders with its own template in templates/news/blocks/,
but the paragraph and the heading (the most frequent blocks), which write their HTML themselves."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import expand_db_html


class HeadingBlock(blocks.CharBlock):
    def render(self, value, context=None):
        """``<h2 class="article-body__heading">{{ value }}</h2>`` and a line break, the text of the
        template this block had, without a template and a copy of the page's context per heading."""
        return format_html('<h2 class="article-body__heading">{}</h2>\n', value)

    class Meta:
        icon = "title"
        label = _("Heading")


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", ["bold", "italic", "link", "document-link", "ol", "ul"])
        super().__init__(**kwargs)

    def render(self, value, context=None):
        """The rich text as ``{{ value|richtext }}`` writes it (Wagtail's richtext.html is
        ``{{ html|safe }}``), then a line break: the text of the template this block had, without
        two templates and a copy of the page's context per paragraph."""
        return mark_safe(expand_db_html(value.source) + "\n")  # noqa: S308 - Wagtail's rich text HTML

    class Meta:
        icon = "pilcrow"
        label = _("Paragraph")


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=255)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "news/blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quote"))
    speaker = blocks.CharBlock(label=_("speaker"), required=False, max_length=150)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "news/blocks/quote.html"


class VideoEmbedBlock(EmbedBlock):
    class Meta:
        icon = "media"
        label = _("Embed (YouTube …)")
        template = "news/blocks/embed.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("link text"), required=False, max_length=150)

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "news/blocks/document.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = ParagraphBlock()
    heading = HeadingBlock()
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    embed = VideoEmbedBlock()
    document = DocumentLinkBlock()
