"""RSS 2.0 of the news index (``/berita/feed/``) and of each category (``/berita/feed/<slug>/``)."""

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _

from . import selectors

FEED_ITEMS = 20


class NewsFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, *, index, category=None):
        super().__init__()
        self.index = index
        self.category = category

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        if self.category:
            return f"{self.index.title}: {self.category.name}"
        return self.index.title

    def link(self):
        url = self.index.get_full_url(self.request)
        if self.category:
            url += f"?kategori={self.category.slug}"
        return url

    def feed_url(self):
        path = "feed/" + (f"{self.category.slug}/" if self.category else "")
        return self.index.get_full_url(self.request) + path

    def description(self):
        return self.index.intro or _("News of PC GP Ansor Kabupaten Batu Bara")

    def items(self):
        articles = selectors.live_articles(index=self.index)
        if self.category:
            articles = articles.filter(categories=self.category)
        return articles.prefetch_related("categories")[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.intro

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_guid(self, item):
        return item.get_full_url(self.request)

    def item_pubdate(self, item):
        return item.pubdate

    def item_updateddate(self, item):
        return timezone.localtime(item.last_published_at) if item.last_published_at else None

    def item_author_name(self, item):
        return item.author or None

    def item_categories(self, item):
        return [category.name for category in item.categories.all()]
