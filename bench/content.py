"""The content the page benchmarks measure: the demo, grown to a branch's size after a few years.

Imported by bench/pages.py, and run as a script inside another tree (the baseline's worktree,
bench/uncached.py) so that each tree seeds its own database with its own models:

    cd <tree> && PYTHONPATH=<tree> DJANGO_SETTINGS_MODULE=... DATABASE_URL=... python <this file>
"""

from __future__ import annotations

import datetime
import sys

ARTICLE_COUNT = 200

PARAGRAPHS = [
    "Pengurus cabang bersama PAC se-Kabupaten Batu Bara membahas jadwal kaderisasi, pendataan anggota "
    "dan kegiatan sosial di desa-desa. Setiap PAC diminta melaporkan perkembangan kadernya setiap bulan.",
    "Kegiatan ini dihadiri pengurus harian, perwakilan Banser, serta mitra dari dinas terkait. Peserta "
    "berdiskusi tentang cara menjangkau pemuda di kecamatan pesisir yang selama ini jarang tersentuh.",
    "Ketua panitia menyampaikan terima kasih kepada seluruh kader yang hadir dan mengajak mereka untuk "
    "terus aktif mengikuti pelatihan yang diumumkan melalui portal ini.",
    "Hasil kegiatan akan dibahas lagi dalam rapat pleno berikutnya, termasuk rencana anggaran, "
    "pembagian tugas per bidang, dan jadwal kunjungan ke PAC.",
]
TOPICS = [
    "Konsolidasi PAC {n}: Pengurus Turun ke Desa",
    "Kader Ansor Batu Bara Gelar Bakti Sosial di Kecamatan {n}",
    "Diklat Terpadu Dasar Angkatan {n} Resmi Dibuka",
    "Pelaku UMKM Kader Pamerkan Produk di Bazar Ke-{n}",
    "Silaturahmi Cabang dengan Tokoh Masyarakat, Pertemuan Ke-{n}",
]
TAGS = ["kaderisasi", "UMKM", "PAC", "bakti sosial", "pelatihan", "rapat", "Banser", "pemuda", "desa", "ekonomi"]

PROGRAMS = [
    ("kaderisasi-berjenjang", "Kaderisasi Berjenjang", "PKD, PKL dan PKN bagi kader di setiap PAC."),
    ("konsolidasi-organisasi", "Konsolidasi Organisasi", "Penguatan PAC dan ranting di dua belas kecamatan."),
    ("ansor-peduli-pendidikan", "Ansor Peduli Pendidikan", "Beasiswa dan bimbingan belajar bagi anak kader."),
]


def add_content(*, articles: int) -> None:
    """Bring the demo to the size of a branch after a few years: listings as they would be."""
    from django.utils import timezone
    from wagtail.models import Page

    from news.demo import demo_image
    from news.models import NewsArticlePage, NewsCategory, NewsIndexPage
    from programs.models import Partner, ProgramIndexPage, ProgramPage, TrainingPage

    index = NewsIndexPage.objects.get()
    categories = list(NewsCategory.objects.all())
    images = [
        demo_image(f"Kegiatan kader {n + 1}", (20 + 17 * n % 200, 90 + 11 * n % 120, 40 + 23 * n % 180))
        for n in range(12)
    ]
    today = timezone.localdate()
    for n in range(articles):
        article = NewsArticlePage(
            title=TOPICS[n % len(TOPICS)].format(n=n + 1),
            slug=f"berita-kegiatan-{n + 1}",
            date=today - datetime.timedelta(days=7 * n + 1),
            dateline="Batu Bara",
            author="Tim Media PC",
            intro=PARAGRAPHS[n % len(PARAGRAPHS)],
            search_description=PARAGRAPHS[n % len(PARAGRAPHS)][:150],
            feature_image=images[n % len(images)],
            body=[
                ("paragraph", f"<p>{PARAGRAPHS[(n + 1) % 4]}</p><p>{PARAGRAPHS[(n + 2) % 4]}</p>"),
                ("heading", "Langkah berikutnya"),
                ("paragraph", f"<p>{PARAGRAPHS[(n + 3) % 4]}</p>"),
            ],
        )
        article.categories = [categories[n % len(categories)], categories[(n + 1) % len(categories)]]
        article.tags.add(TAGS[n % len(TAGS)], TAGS[(n + 3) % len(TAGS)])
        index.add_child(instance=article)
        article.save_revision().publish()

    program_index = ProgramIndexPage.objects.get()
    partners = list(Partner.objects.all())
    umkm = ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")
    parents = [(umkm, "umkm", 4, 0)]  # the demo program gets a history of past trainings
    for order, (slug, title, summary) in enumerate(PROGRAMS):
        program = ProgramPage(
            title=title,
            slug=slug,
            summary=summary,
            goals="<ul><li>Kader terlatih di setiap PAC.</li><li>Organisasi yang tertib dan hidup.</li></ul>",
            body=[("paragraph", "".join(f"<p>{text}</p>" for text in PARAGRAPHS[:3]))],
            period_start=today.replace(month=1, day=1) - datetime.timedelta(days=365 * order),
            period_end=today.replace(month=12, day=31),
            featured_image=images[order],
        )
        program.partners = partners[order : order + 2]
        program_index.add_child(instance=program)
        program.save_revision().publish()
        parents.append((program, slug, 3, 3))
    for program, prefix, past, upcoming in parents:
        for n in range(past + upcoming):
            days = -30 * (n + 1) if n < past else 10 + 9 * (n - past)
            starts_at = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0) + datetime.timedelta(
                days=days
            )
            training = TrainingPage(
                title=f"{program.title}: Angkatan {n + 1}",
                slug=f"{prefix}-angkatan-{n + 1}",
                summary="Pelatihan sehari bagi kader, dengan praktik dan pendampingan sesudahnya.",
                description="".join(f"<p>{text}</p>" for text in PARAGRAPHS[:2]),
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=7),
                venue_name="Aula Kantor PC NU Batubara",
                venue_address="Kecamatan Lima Puluh, Kabupaten Batu Bara, Sumatera Utara",
                organiser="PC GP Ansor Kabupaten Batu Bara",
                trainers="Tim Instruktur PC GP Ansor Batu Bara",
                capacity=30,
            )
            training.partners = partners[:2]
            program.add_child(instance=training)
            training.save_revision().publish()
    print(f"content: {Page.objects.live().count()} live pages, {NewsArticlePage.objects.live().count()} articles")


def main() -> None:
    """Seed the database of the tree on sys.path (not necessarily this one): demo plus volume."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("seed_demo", verbosity=0)
    add_content(articles=int(sys.argv[1]) if len(sys.argv) > 1 else ARTICLE_COUNT)


if __name__ == "__main__":
    main()
