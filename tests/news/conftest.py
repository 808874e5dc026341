import datetime
import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image


@pytest.fixture
def news_index(demo_site):
    from news.models import NewsIndexPage

    return NewsIndexPage.objects.get()


@pytest.fixture
def make_image(db):
    def make(title="Foto uji"):
        from wagtail.images import get_image_model

        buffer = io.BytesIO()
        Image.new("RGB", (1600, 900), (20, 120, 60)).save(buffer, format="JPEG")
        return get_image_model().objects.create(
            title=title, file=ImageFile(buffer, name="uji.jpg"), description=f"Alt {title}", credit="Uji"
        )

    return make


@pytest.fixture
def make_article(news_index):
    """Create an article under the news index, published unless ``publish=False``."""

    def make(title, *, slug=None, date=datetime.date(2024, 1, 1), categories=(), tags=(), publish=True, **fields):
        from django.utils.text import slugify

        from news.models import NewsArticlePage, NewsCategory

        article = NewsArticlePage(
            title=title,
            slug=slug or slugify(title),
            date=date,
            intro=fields.pop("intro", f"Ringkasan {title}."),
            live=publish,
            **fields,
        )
        article.categories = [NewsCategory.objects.get(slug=slug) for slug in categories]
        if tags:
            article.tags.add(*tags)
        news_index.add_child(instance=article)
        revision = article.save_revision()
        if publish:
            revision.publish()
        return article

    return make
