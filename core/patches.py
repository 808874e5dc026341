"""Changes to libraries' code that do exactly what it did, cheaper (applied once, by core's AppConfig).

modelcluster's ``ClusterableModel.__init__`` (every Wagtail page, an article's related-page rows)
lists the model's child relations, scanning every field of the model twice, to find whether
any was passed as a keyword; then it calls ``Model.__init__``. A row read from the database
(``Model.from_db``) passes its values by position, never a keyword, so the scan finds nothing:
about 5 % of an uncached article, whose links are a dozen page instances. Here the scan is
skipped when no keyword is given; with keywords, modelcluster's own code runs.
"""

from modelcluster.models import ClusterableModel

_clusterable_init = ClusterableModel.__init__


def _init_without_keywords_skips_the_scan(self, *args, **kwargs):
    if kwargs:
        _clusterable_init(self, *args, **kwargs)
    else:
        super(ClusterableModel, self).__init__(*args)


def apply() -> None:
    if ClusterableModel.__init__ is _clusterable_init:
        ClusterableModel.__init__ = _init_without_keywords_skips_the_scan
