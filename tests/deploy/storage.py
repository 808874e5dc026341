"""The static files storage of the test's nodes: production's (hashed names, WhiteNoise's .gz
beside each file, which nginx's gzip_static sends), without the Brotli copies, which nginx does
not read and which take most of collectstatic's minute on 2 cores."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipOnlyManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        return super().create_compressor(use_brotli=False, **kwargs)
