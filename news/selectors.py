"""Reads of the news app: listings at a constant number of queries, neighbours, related articles."""

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from core import prepared, visibility

from .models import CARD_WIDTHS, NewsArticlePage, NewsCategory


def live_articles(*, index=None, restricted=None) -> QuerySet[NewsArticlePage]:
    """Published, public articles (under ``index`` if given), newest first.

    ``restricted``: the restricted pages' paths and depths (``visibility.restricted()``), when given.
    """
    articles = visibility.public(NewsArticlePage.objects.live(), *(restricted or ()))
    if index is not None:
        articles = articles.child_of(index)
    return articles.order_by("-date", "-first_published_at", "-pk")


# What news/includes/article_card.html reads of an article ({% pageurl %} needs only url_path).
CARD_FIELDS = ("title", "url_path", "path", "depth", "date", "intro", "feature_image")


def with_listing_data(articles: QuerySet[NewsArticlePage]) -> QuerySet[NewsArticlePage]:
    """What a card shows (image renditions, categories) in a fixed number of queries."""
    from wagtail.images import get_image_model
    from wagtail.images.models import Filter

    # The card template asks for a WebP rendition of each width.
    specs = [f"{spec}|format-webp" for spec in Filter.expand_spec(CARD_WIDTHS.split("|"))]
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec__in=specs)
    # Only what a card shows: a page row has some forty columns, and building them is most of the cost.
    return (
        articles.only(*CARD_FIELDS)
        .select_related("feature_image")
        .prefetch_related(
            Prefetch("feature_image__renditions", queryset=renditions),
            Prefetch("categories", queryset=NewsCategory.objects.order_by("sort_order", "name")),
        )
    )


@dataclass
class ArticleListing:
    articles: QuerySet
    category: NewsCategory | None = None
    tag: str = ""
    year: int | None = None
    message: str = ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.category or self.tag or self.year or self.message)

    @property
    def query_string(self) -> str:
        params = {}
        if self.category:
            params["kategori"] = self.category.slug
        if self.tag:
            params["tag"] = self.tag
        if self.year:
            params["tahun"] = self.year
        return urlencode(params)


# What a category or tag slug can hold. Anything else (NUL above all, which PostgreSQL refuses
# in a query) names no category or tag, and is answered without asking the database.
SLUG = re.compile(r"[-\w]+")


def article_listing(*, index, category: str = "", tag: str = "", year: str = "") -> ArticleListing:
    """The index's articles filtered by ``?kategori=``, ``?tag=``, ``?tahun=``; unknown values give none."""
    articles = live_articles(index=index)
    listing = ArticleListing(articles=articles)
    category, tag, year = category.strip()[:80], tag.strip()[:100], year.strip()[:20]
    if category:
        listing.category = NewsCategory.objects.filter(slug=category).first() if SLUG.fullmatch(category) else None
        if listing.category is None:
            listing.message = _("There is no category “%(value)s”.") % {"value": category}
            listing.articles = articles.none()
            return listing
        articles = articles.filter(categories=listing.category)
    if tag:
        from taggit.models import Tag

        found = Tag.objects.filter(slug=tag).values_list("slug", flat=True).first() if SLUG.fullmatch(tag) else None
        if found is None:
            listing.message = _("There is no tag “%(value)s”.") % {"value": tag}
            listing.articles = articles.none()
            return listing
        listing.tag = found
        articles = articles.filter(tags__slug=found)
    if year:
        if not (year.isdecimal() and 1900 < int(year) < 3000):  # "²".isdigit(), but int("²") fails
            listing.message = _("“%(value)s” is not a year.") % {"value": year}
            listing.articles = articles.none()
            return listing
        listing.year = int(year)
        articles = articles.filter(date__year=listing.year)
    listing.articles = with_listing_data(articles.distinct())
    return listing


def categories_in_use() -> list[NewsCategory]:
    return list(NewsCategory.objects.filter(articles__live=True).distinct().order_by("sort_order", "name"))


def article_years(*, index) -> list[int]:
    return [day.year for day in live_articles(index=index).order_by().dates("date", "year", order="DESC")]


def latest_articles(*, limit: int = 3, exclude_pk: int | None = None) -> list[NewsArticlePage]:
    articles = live_articles()
    if exclude_pk:
        articles = articles.exclude(pk=exclude_pk)
    return list(with_listing_data(articles)[:limit])


def related_articles(*, article: NewsArticlePage, limit: int = 3) -> list[NewsArticlePage]:
    """Other live articles that share a category with ``article``, newest first, as cards.

    Their categories and image renditions are not read here: :func:`prefetch_for_article`
    reads them with the article's own, one query each.
    """
    paths, depths = visibility.restricted()

    def build(pk, paths, depths):
        shared = NewsArticlePage.categories.through.objects.filter(newsarticlepage=pk).values("newscategory")
        articles = live_articles(restricted=(paths, depths)).filter(categories__in=shared).exclude(pk=pk).distinct()
        return articles.only(*CARD_FIELDS).select_related("feature_image")[:limit]

    # Compiled once per process (core/prepared.py); the rows are read on every call.
    return prepared.run("news.related_articles", build, article.pk, paths, depths, shape=(limit,))


def prefetch_for_article(*, article: NewsArticlePage, cards: list[NewsArticlePage]) -> None:
    """The categories of the article and its cards in one query, every rendition of their images in another.

    An image has a rendition per size the site shows (a few, however many articles there are),
    so reading them all answers the lead picture, the sharing image and the cards at once.
    The categories are left as each page's ``category_list`` (what the templates and the sharing
    data read), the renditions where ``prefetch_related`` leaves them (``image.renditions.all()``,
    which Wagtail reads).
    """
    pages = [article, *cards]
    # The SQL of prefetch_related("categories"): each category row with the article it belongs to.
    categories = prepared.run(
        "news.prefetch_for_article.categories",
        lambda pks: (
            NewsCategory.objects.filter(articles__in=pks)
            .annotate(_article_id=F("articles"))
            .order_by("sort_order", "name")
        ),
        [page.pk for page in pages],
    )
    by_page = {page.pk: [] for page in pages}
    for category in categories:
        by_page[category._article_id].append(category)
    for page in pages:
        # What ``category_list`` would read (``categories.all()``; modelcluster's related manager,
        # built for each page to be asked, costs more than the list), unless the page is a
        # preview holding the editor's categories, which ``categories.all()`` answers.
        if "categories" not in getattr(page, "_cluster_related_objects", {}):
            page.__dict__["category_list"] = by_page[page.pk]
    images = [page.feature_image for page in pages if page.feature_image_id]
    if images:
        from wagtail.images import get_image_model

        rendition_model = get_image_model().get_rendition_model()
        renditions = prepared.run(
            "news.prefetch_for_article.renditions",
            lambda ids: rendition_model.objects.filter(image_id__in=ids),
            list(dict.fromkeys(image.pk for image in images)),
        )
        image_field = rendition_model._meta.get_field("image")
        by_image = {}
        for rendition in renditions:
            by_image.setdefault(rendition.image_id, []).append(rendition)
        # An image on two pages is two objects sharing its renditions, as prefetch_related leaves them.
        for image in reversed(images):
            own = by_image.get(image.pk, [])
            for rendition in own:
                image_field.set_cached_value(rendition, image)
            _prefetched(image, "renditions", own)


def _prefetched(instance, name: str, rows: list) -> None:
    """``rows`` where ``prefetch_related(name)`` leaves them: ``instance.<name>.all()`` answers without a query.

    The queryset holding them is the instance's own related one, as Django's prefetch leaves it:
    ``instance.<name>.filter(...)`` (Wagtail looks for an image's existing renditions so) must
    still read this instance's rows only, not every image's.
    """
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(name, None)
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache[name] = queryset


def neighbours(*, article: NewsArticlePage) -> tuple[NewsArticlePage | None, NewsArticlePage | None]:
    """The previous (older) and next (newer) live, public sibling by date."""
    parent_path = article.path[: (article.depth - 1) * article.steplen]
    paths, depths = visibility.restricted()

    def build(parent_path, depth, date, pk, paths, depths):
        # The siblings as plainly as they can be said.
        siblings = visibility.public(
            NewsArticlePage.objects.filter(live=True, path__startswith=parent_path, depth=depth), paths, depths
        )
        older = siblings.filter(Q(date__lt=date) | Q(date=date, pk__lt=pk))
        newer = siblings.filter(Q(date__gt=date) | Q(date=date, pk__gt=pk))
        # One query for both: each side's nearest as a one-row subquery (SQLite and PostgreSQL allow it),
        # which already holds every condition.
        nearest_older = older.order_by("-date", "-pk").values("pk")[:1]
        nearest_newer = newer.order_by("date", "pk").values("pk")[:1]
        return NewsArticlePage.objects.filter(Q(pk__in=nearest_older) | Q(pk__in=nearest_newer)).only(
            "title", "url_path", "date"
        )

    # Compiled once per process (core/prepared.py); the rows are read on every call.
    found = prepared.run("news.neighbours", build, parent_path, article.depth, article.date, article.pk, paths, depths)
    previous_article = next_article = None
    for neighbour in found:
        if (neighbour.date, neighbour.pk) < (article.date, article.pk):
            previous_article = neighbour
        else:
            next_article = neighbour
    return previous_article, next_article


def share_links(*, title: str, url: str) -> list[tuple[str, str]]:
    """Share targets, WhatsApp first (what readers here use most)."""
    text = f"{title} {url}"
    return [
        ("WhatsApp", f"https://wa.me/?text={quote(text)}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}"),
        ("X", f"https://twitter.com/intent/tweet?{urlencode({'text': title, 'url': url})}"),
    ]
