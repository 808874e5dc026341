"""Demo content of the news app: the news index, categories, and the first articles of the branch."""

import datetime
from collections.abc import Callable

from core.demo import demo_image, site_root

from .models import NewsArticlePage, NewsCategory, NewsIndexPage

CATEGORIES = [
    ("Kaderisasi", "kaderisasi", "Pelatihan dan jenjang pengkaderan: PKD, PKL, PKN."),
    ("Organisasi", "organisasi", "Rapat, konsolidasi dan kabar dari cabang serta PAC."),
    ("UMKM", "umkm", "Kemandirian ekonomi kader melalui usaha mikro, kecil dan menengah."),
    ("Program", "program", "Program kerja cabang dan pelatihan bersama mitra."),
]


def _p(*paragraphs: str) -> list[tuple[str, str]]:
    return [("paragraph", f"<p>{text}</p>") for text in paragraphs]


ARTICLES = [
    {
        "slug": "rapat-koordinasi-umkm-agenda-prioritas",
        "title": "Rapat Koordinasi PC GP Ansor Batu Bara: UMKM Jadi Agenda Prioritas setelah Kaderisasi",
        "date": datetime.date(2021, 11, 2),
        "intro": (
            "PC GP Ansor Kabupaten Batu Bara menggelar rapat koordinasi di Aula Kantor PC NU Batubara, "
            "Selasa (2/11/2021), dan menetapkan pemberdayaan UMKM kader sebagai agenda prioritas "
            "setelah kaderisasi."
        ),
        "categories": ["organisasi", "umkm"],
        "tags": ["rapat koordinasi", "UMKM", "Dinas Koperasi dan UMKM"],
        "colour": (11, 107, 53),
        "image_title": "Rapat koordinasi PC GP Ansor Batu Bara",
        "body": [
            *_p(
                "Rapat koordinasi (rakor) ini merupakan tindak lanjut dari rapat koordinasi wilayah GP Ansor "
                "Sumatera Utara yang sebelumnya digelar di Deli Serdang. Rakor dihadiri jajaran pengurus cabang "
                "dan Dinas Koperasi dan UMKM Kabupaten Batu Bara yang diundang sebagai mitra strategis.",
                "Ketua PC GP Ansor Batu Bara, Burhan, memaparkan arah program kerja organisasi. Ada empat "
                "sasaran yang ingin dicapai: keberlanjutan kaderisasi, konsolidasi organisasi, pengembangan "
                "potensi kader, serta kemandirian ekonomi kader melalui usaha mikro, kecil dan menengah (UMKM).",
            ),
            (
                "quote",
                {
                    "text": "Setelah kaderisasi, pemberdayaan UMKM kader menjadi agenda prioritas kita.",
                    "speaker": "Burhan, Ketua PC GP Ansor Batu Bara",
                },
            ),
            ("heading", "Dinas Koperasi siap mendampingi"),
            *_p(
                "Sekretaris Dinas Koperasi dan UMKM Batu Bara, Dewi Ariani Margolang, menyampaikan bahwa "
                "pihaknya ingin program yang dijalankan benar-benar sesuai dengan kebutuhan para pelaku usaha. "
                "Dinas menawarkan pembinaan, bantuan kemasan melalui rumah kemasan, serta pendampingan "
                "pengurusan izin produk.",
                "Menurut Dewi, saat ini sudah ada 30 produk lokal Batu Bara yang terdaftar dan dipatenkan. Kain "
                "tenun dan batik khas daerah juga telah dibawa ke ajang pekan mode di New York, dan dinas terus "
                "mendukung industri kerajinan tengkuluk.",
                "Dinas juga telah menggelar sejumlah pelatihan, antara lain pembuatan produk, pengolahan ikan "
                "menjadi abon, dan pemasaran digital. Dalam waktu dekat akan menyusul pelatihan bagi pembuat "
                "oleh-oleh kuliner khas daerah, pemasaran digital, serta tata rias bagi kaum perempuan.",
            ),
            ("heading", "Mitra pendanaan"),
            *_p(
                "Dalam rakor juga disebutkan sejumlah mitra yang dapat mendukung permodalan dan pemberdayaan "
                "kader: BNI, yang menjadi mitra Pimpinan Pusat GP Ansor, untuk modal usaha; PTPN 2; serta PT Pos "
                "melalui aplikasi pendukung pemberdayaan.",
            ),
        ],
    },
    {
        "slug": "produk-lokal-batu-bara-rumah-kemasan",
        "title": "30 Produk Lokal Batu Bara Sudah Terdaftar, Kader Diajak Manfaatkan Rumah Kemasan",
        "date": datetime.date(2021, 11, 5),
        "intro": (
            "Dinas Koperasi dan UMKM Batu Bara membuka pintu bagi kader Ansor yang merintis usaha: pembinaan, "
            "kemasan produk di rumah kemasan, dan bantuan mengurus izin."
        ),
        "categories": ["umkm"],
        "tags": ["UMKM", "rumah kemasan", "tengkuluk"],
        "colour": (138, 75, 0),
        "image_title": "Produk lokal Batu Bara",
        "body": _p(
            "Sebanyak 30 produk lokal Kabupaten Batu Bara kini sudah terdaftar dan dipatenkan. Kain tenun dan "
            "batik Batu Bara bahkan pernah tampil di pekan mode di New York, sementara kerajinan tengkuluk, "
            "penutup kepala tradisional, terus didukung agar tetap hidup.",
            "Kader yang sudah atau ingin memulai usaha dapat memanfaatkan rumah kemasan milik Dinas Koperasi "
            "dan UMKM untuk memperbaiki tampilan produknya, serta meminta pendampingan saat mengurus izin edar. "
            "PC GP Ansor Batu Bara akan mendata kader pelaku usaha di setiap PAC agar pendampingan tepat sasaran.",
        ),
    },
    {
        "slug": "pelatihan-umkm-kader-abon-ikan-pemasaran-digital",
        "title": "Pelatihan UMKM untuk Kader: dari Abon Ikan hingga Pemasaran Digital",
        "date": datetime.date(2021, 11, 10),
        "intro": (
            "Bersama Dinas Koperasi dan UMKM, PC GP Ansor Batu Bara menyiapkan rangkaian pelatihan usaha bagi "
            "kader, mulai dari pengolahan ikan menjadi abon sampai pemasaran digital."
        ),
        "categories": ["program", "umkm", "kaderisasi"],
        "tags": ["pelatihan", "abon ikan", "pemasaran digital"],
        "colour": (6, 77, 37),
        "image_title": "Pelatihan UMKM kader",
        "body": _p(
            "Program pemberdayaan UMKM kader berjalan bersama mitra: Dinas Koperasi dan UMKM, BNI, PTPN 2 dan "
            "PT Pos. Pelatihan yang disiapkan antara lain pemasaran digital, pengolahan ikan menjadi abon, "
            "pembuatan oleh-oleh kuliner khas Batu Bara, dan tata rias khusus bagi kader perempuan.",
            "Pendaftaran dibuka melalui portal ini. Kader cukup masuk ke akun masing-masing, memilih pelatihan, "
            "lalu menunggu konfirmasi. Jumlah kursi terbatas; bila penuh, pendaftar masuk daftar tunggu.",
        ),
    },
]


def seed(*, log: Callable[[str], None], accounts: bool = False) -> None:
    """The news index under the site's root page and the articles; returns the first article if it was just created."""
    home = site_root()
    if home is None:
        return None
    index = seed_index(home, log)
    categories = seed_categories(log)
    created = [seed_article(index, categories, data, log) for data in ARTICLES]
    return created[0]


def seed_index(home, log) -> NewsIndexPage:
    index = NewsIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(
            instance=NewsIndexPage(
                title="Berita",
                slug="berita",
                show_in_menus=True,
                intro="Kabar kegiatan, rapat dan program PC GP Ansor Kabupaten Batu Bara.",
                search_description="Berita kegiatan, rapat dan program PC GP Ansor Kabupaten Batu Bara.",
            )
        )
        index.save_revision().publish()
        log("news index created")
    return index


def seed_categories(log) -> dict[str, NewsCategory]:
    found = {}
    for order, (name, slug, description) in enumerate(CATEGORIES, start=1):
        category, created = NewsCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": order}
        )
        if created:
            log(f"news category {name} created")
        found[slug] = category
    return found


def seed_article(index, categories, data, log) -> NewsArticlePage | None:
    """Create and publish the article unless it exists; returns it when created."""
    if NewsArticlePage.objects.filter(slug=data["slug"]).exists():
        return None
    article = NewsArticlePage(
        title=data["title"],
        slug=data["slug"],
        date=data["date"],
        dateline="Batu Bara",
        author="HZ",
        intro=data["intro"],
        search_description=data["intro"],
        feature_image=demo_image(data["image_title"], data["colour"]),
        body=data["body"],
    )
    article.categories = [categories[slug] for slug in data["categories"]]
    article.tags.add(*data["tags"])
    index.add_child(instance=article)
    article.save_revision().publish()
    log(f"article “{data['title'][:40]}…” published")
    return article
