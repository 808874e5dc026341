"""News: an index at /berita/ with its feeds, articles under it, categories and tags."""

import datetime
from urllib.parse import parse_qsl

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core import pagecache, prepared
from core.pages import ServedPageMixin

from .blocks import ArticleBodyBlock

ARTICLES_PER_PAGE = 12
# The widths of the renditions offered in ``srcset`` (listing cards and article images).
CARD_WIDTHS = "width-{400,800}"
ARTICLE_WIDTHS = "width-{400,800,1200}"


class NewsCategory(models.Model):
    """A category editors manage as a snippet (Kaderisasi, Organisasi, UMKM, Program ...)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, help_text=_("Used in the address: ?kategori=slug"))
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("news category")
        verbose_name_plural = _("news categories")

    def __str__(self):
        return self.name


class NewsArticleTag(TaggedItemBase):
    content_object = ParentalKey("news.NewsArticlePage", related_name="tagged_items", on_delete=models.CASCADE)


class NewsIndexPage(RoutablePageMixin, ServedPageMixin, Page):
    """``/berita/``: the articles, newest first, with filters and RSS feeds."""

    intro = models.TextField(_("intro"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["news.NewsArticlePage"]
    max_count = 1
    cache_anonymous = True  # core/pagecache.py
    cache_query_params = ("kategori", "tag", "tahun", "page")

    class Meta:
        verbose_name = _("news index page")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        listing = selectors.article_listing(
            index=self,
            category=request.GET.get("kategori", ""),
            tag=request.GET.get("tag", ""),
            year=request.GET.get("tahun", ""),
        )
        paginator = Paginator(listing.articles, ARTICLES_PER_PAGE)
        page_obj = paginator.get_page(request.GET.get("page"))
        # The page cache keeps real listings only, each at one address (core/pagecache.py).
        canonical = {name: [value] for name, value in parse_qsl(listing.query_string)}
        if "page" in request.GET:
            canonical["page"] = [str(page_obj.number)]
        if listing.message or dict(request.GET.lists()) != canonical:
            pagecache.do_not_store()
        else:
            pagecache.query_is_canonical()
        context.update(
            listing=listing,
            articles=page_obj.object_list,
            page_obj=page_obj,
            categories=selectors.categories_in_use(),
            years=selectors.article_years(index=self),
            canonical_url=self.get_full_url(request),
        )
        return context

    @path("feed/", name="feed")
    def feed(self, request):
        from .feeds import NewsFeed

        return NewsFeed(index=self)(request)

    @path("feed/<slug:category>/", name="category_feed")
    def category_feed(self, request, category):
        from django.http import Http404

        from .feeds import NewsFeed

        found = NewsCategory.objects.filter(slug=category).first()
        if found is None:
            raise Http404
        return NewsFeed(index=self, category=found)(request)


class NewsArticlePage(ServedPageMixin, Page):
    """One article: a meeting report, an activity report, an announcement."""

    date = models.DateField(_("publication date"), default=timezone.localdate)
    dateline = models.CharField(_("dateline"), max_length=100, blank=True, help_text=_("Place, e.g. Batu Bara"))
    author = models.CharField(
        _("author"), max_length=100, blank=True, help_text=_("The author's name or the reporter's initials")
    )
    intro = models.TextField(
        _("intro"), max_length=400, help_text=_("One or two sentences; shown in listings, feeds and search engines.")
    )
    feature_image = models.ForeignKey(
        "home.CustomImage",
        verbose_name=_("featured image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The image's description is its alt text."),
    )
    feature_image_caption = models.CharField(_("caption"), max_length=255, blank=True)
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"), blank=True)
    categories = ParentalManyToManyField(NewsCategory, verbose_name=_("categories"), related_name="articles")
    tags = ClusterTaggableManager(verbose_name=_("tags"), through=NewsArticleTag, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("dateline"), FieldPanel("author")], heading=_("Byline")),
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("feature_image"), FieldPanel("feature_image_caption")], heading=_("Image")),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                # A many-to-many field counts as required on every save for Wagtail, which
                # blocked drafts (and the editor's autosave, answered with 400) until a
                # category was ticked; publishing still needs one.
                FieldPanel("categories", widget=forms.CheckboxSelectMultiple, required_on_save=False),
                FieldPanel("tags"),
            ],
            heading=_("Categories and tags"),
        ),
        InlinePanel("related_pages", heading=_("Related programs"), label=_("related page")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("author"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("date"),
    ]

    parent_page_types = ["news.NewsIndexPage"]
    subpage_types = []
    cache_anonymous = True  # core/pagecache.py
    serve_select_related = ("feature_image",)  # core/pages.py: the lead image comes with the page

    class Meta:
        verbose_name = _("news article")
        verbose_name_plural = _("news articles")
        # An article's neighbours (news.selectors.neighbours) are the nearest by (date, id) on
        # each side: found through this index instead of a scan of every article.
        indexes = [models.Index(fields=["date", "page_ptr"], name="news_article_date_id")]

    @property
    def pubdate(self) -> datetime.datetime:
        """The publication moment in WIB: the first publish if it fell on ``date``, else that day's start."""
        if self.first_published_at and timezone.localdate(self.first_published_at) == self.date:
            return timezone.localtime(self.first_published_at)
        return timezone.make_aware(datetime.datetime.combine(self.date, datetime.time()))

    @cached_property
    def category_list(self) -> list[NewsCategory]:
        return list(self.categories.all())

    @cached_property
    def tag_list(self) -> list:
        """The tags, read once for the page and its JSON-LD (home.sharing)."""
        if "tagged_items" in getattr(self, "_cluster_related_objects", {}) or not self.pk:
            return list(self.tags.all())  # a preview: the tags in the editor's form
        from taggit.models import Tag

        # taggit's query for self.tags.all(), compiled once per process (core/prepared.py).
        return prepared.run(
            "news.tag_list",
            lambda pk: Tag.objects.filter(news_newsarticletag_items__content_object=pk).order_by(
                "news_newsarticletag_items__id"
            ),
            self.pk,
        )

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        full_url = self.get_full_url(request)
        previous_article, next_article = selectors.neighbours(article=self)
        related_articles = selectors.related_articles(article=self)
        selectors.prefetch_for_article(article=self, cards=related_articles)
        context.update(
            canonical_url=full_url,
            # Titles and URLs only: the router's chain of parents, no specific pages fetched.
            breadcrumbs=[page for page in self.breadcrumb_pages() if page.depth > 1],
            related_articles=related_articles,
            related_pages=self.related_page_links(),
            previous_article=previous_article,
            next_article=next_article,
            share_links=selectors.share_links(title=self.title, url=full_url),
        )
        return context

    def related_page_links(self) -> list[Page]:
        """The live pages the article points to, with what a link shows (a page row has some forty columns)."""
        fields = ("article", "sort_order", "page__title", "page__url_path", "page__live", "page__path", "page__depth")
        if "related_pages" in getattr(self, "_cluster_related_objects", {}) or not self.pk:
            links = self.related_pages.select_related("page").only(*fields)  # a preview: the editor's form
        else:  # compiled once per process (core/prepared.py)
            links = prepared.run(
                "news.related_page_links",
                lambda pk: NewsArticleRelatedPage.objects.filter(article=pk).select_related("page").only(*fields),
                self.pk,
            )
        return [link.page for link in links if link.page.live]

    # What home.sharing shows when the article is shared, and its NewsArticle JSON-LD.
    share_type = "article"

    @property
    def share_image(self):
        return self.feature_image

    @property
    def share_description(self) -> str:
        return self.search_description or self.intro


class NewsArticleRelatedPage(Orderable):
    """A page an article points readers to, typically the program it reports on."""

    article = ParentalKey(NewsArticlePage, related_name="related_pages", on_delete=models.CASCADE)
    page = models.ForeignKey("wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = _("related page")
        verbose_name_plural = _("related pages")
