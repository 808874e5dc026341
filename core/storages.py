"""The uploads' storage: Django's file system storage, each file's URL worked out once per process."""

from django.core.files.storage import FileSystemStorage


class MediaStorage(FileSystemStorage):
    """Every picture on a page asks ``url()`` for each of its renditions (a card two, the lead picture
    six, the sharing image one), and each answer is worked out again from the name (quoted, then
    joined to ``MEDIA_URL`` by ``urljoin``): 7 µs each, a few percent of an uncached page. On a
    file system the answer depends only on the name and the base URL, so it is kept per name
    while the base URL is the same, up to 4,096 names (then it starts again; a rendition's file
    is never renamed: a new one has a new name)."""

    kept_urls = 4096

    def url(self, name):
        base_url = self.base_url
        kept = self.__dict__.get("_kept_urls")
        if kept is None or kept[0] != base_url or len(kept[1]) >= self.kept_urls:
            kept = self._kept_urls = (base_url, {})
        url = kept[1].get(name)
        if url is None:
            url = kept[1][name] = super().url(name)
        return url
