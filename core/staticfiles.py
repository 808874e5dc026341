"""The static files' storage: WhiteNoise's compressed manifest, each file's URL worked out once per process."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """``{% static %}`` asks ``url()`` for the same few names on every page, and each answer is
    worked out again from the manifest (name cleaned, split, looked up, joined, quoted): a few
    percent of an uncached page. The answer depends only on the name and the manifest, which is
    read when the process starts, so it is kept per name while the manifest is the one it came
    from (collectstatic adds to it: its size changes, and what was kept is dropped)."""

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        manifest = self.hashed_files
        kept = self.__dict__.get("_kept_urls")
        if kept is None or kept[0] is not manifest or kept[1] != len(manifest):
            kept = self._kept_urls = (manifest, len(manifest), {})
        url = kept[2].get(name)
        if url is None:
            url = kept[2][name] = super().url(name)
        return url
