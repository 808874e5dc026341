"""Demo content of the programs app: the UMKM program of BRIEF.md, its partners and trainings.

Idempotent: existing pages and partners are found by slug / name and left as editors made them.
Trainings are dated relative to the day this runs, so the demo always has upcoming ones.
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.utils import timezone

from core.clock import WIB
from core.demo import demo_image, site_root
from core.models import District

from .models import Partner, ProgramIndexPage, ProgramPage, TrainingPage
from .schedule import Gender

PARTNERS = [
    ("Dinas Koperasi dan UMKM Batu Bara", Partner.Kind.GOVERNMENT, "https://batubarakab.go.id/"),
    ("BNI", Partner.Kind.BANK, "https://www.bni.co.id/"),
    ("PTPN 2", Partner.Kind.COMPANY, "https://www.ptpn2.com/"),
    ("PT Pos Indonesia", Partner.Kind.COMPANY, "https://www.posindonesia.co.id/"),
]

VENUE_NU = ("Aula Kantor PC NU Batubara", "Kecamatan Lima Puluh, Kabupaten Batu Bara, Sumatera Utara")
VENUE_DINAS = ("Rumah Kemasan Dinas Koperasi dan UMKM Batu Bara", "Lima Puluh, Kabupaten Batu Bara, Sumatera Utara")

COASTAL_DISTRICTS = ["lima-puluh-pesisir", "medang-deras", "nibung-hangus", "sei-suka", "talawi", "tanjung-tiram"]

ORGANISER = "PC GP Ansor Kabupaten Batu Bara bersama Dinas Koperasi dan UMKM Batu Bara"

TRAININGS = [
    {
        "slug": "pelatihan-digital-marketing",
        "title": "Pelatihan Digital Marketing untuk Pelaku UMKM",
        "summary": (
            "Belajar memotret produk dengan ponsel, menulis keterangan yang menjual, dan berjualan lewat "
            "WhatsApp Business, Instagram serta lokapasar."
        ),
        "description": (
            "<p>Banyak produk kader sudah bagus, tetapi belum dikenal di luar kampung sendiri. Dalam pelatihan "
            "sehari ini peserta praktik langsung: foto produk yang terang dan rapi, katalog di WhatsApp "
            "Business, unggahan Instagram yang konsisten, dan membuka toko di lokapasar.</p>"
            "<p>Bawa ponsel yang sudah terisi daya dan satu contoh produk usaha Anda.</p>"
        ),
        "days_ahead": 14,
        "hours": (9, 16),
        "venue": VENUE_NU,
        "capacity": 30,
        "trainers": "Tim Pendamping Dinas Koperasi dan UMKM Batu Bara",
        "partners": ["Dinas Koperasi dan UMKM Batu Bara", "PT Pos Indonesia"],
    },
    {
        "slug": "pengolahan-ikan-menjadi-abon",
        "title": "Pengolahan Ikan menjadi Abon",
        "summary": (
            "Mengolah hasil tangkapan nelayan Batu Bara menjadi abon ikan yang tahan lama, higienis, dan siap "
            "dikemas untuk dijual."
        ),
        "description": (
            "<p>Ikan segar mudah rusak dan harganya jatuh saat panen melimpah. Abon ikan memberi nilai tambah "
            "dan bisa disimpan berbulan-bulan. Peserta belajar memilih bahan, merebus dan menyuwir, "
            "menggoreng dengan bumbu yang pas, hingga menimbang dan mengemas.</p>"
            "<p>Di akhir pelatihan dijelaskan juga langkah mengurus izin PIRT dan label kemasan.</p>"
        ),
        "days_ahead": 21,
        "hours": (8, 15),
        "venue": VENUE_DINAS,
        "capacity": 25,
        "trainers": "Penyuluh Pengolahan Hasil Perikanan",
        "partners": ["Dinas Koperasi dan UMKM Batu Bara", "PTPN 2"],
    },
    {
        "slug": "oleh-oleh-kuliner-khas-batu-bara",
        "title": "Oleh-oleh Kuliner Khas Batu Bara",
        "summary": (
            "Untuk pembuat kue dan makanan khas: menyusun produk oleh-oleh yang awet, berkemasan menarik, dan "
            "punya harga jual yang menguntungkan."
        ),
        "description": (
            "<p>Pengunjung Batu Bara mencari buah tangan yang khas. Pelatihan ini membahas daya tahan produk, "
            "desain kemasan bersama rumah kemasan Dinas, menghitung harga pokok, dan menitipkan produk ke "
            "toko oleh-oleh.</p>"
            "<p>Peserta yang usahanya berjalan dapat berkonsultasi tentang permodalan dengan BNI.</p>"
        ),
        "days_ahead": 35,
        "hours": (9, 15),
        "venue": VENUE_NU,
        "capacity": 25,
        "trainers": "Tim Rumah Kemasan Dinas Koperasi dan UMKM Batu Bara",
        "partners": ["Dinas Koperasi dan UMKM Batu Bara", "BNI"],
    },
    {
        "slug": "tata-rias-untuk-perempuan",
        "title": "Tata Rias untuk Perempuan",
        "summary": (
            "Pelatihan tata rias dasar hingga rias pengantin sederhana, sebagai bekal membuka usaha jasa rias di rumah."
        ),
        "description": (
            "<p>Jasa rias selalu dicari untuk pesta dan hajatan. Peserta belajar mengenali jenis kulit, merias "
            "wajah untuk acara siang dan malam, serta dasar rias pengantin, lalu menghitung tarif jasa.</p>"
            "<p>Pelatihan ini khusus untuk perempuan. Perlengkapan rias disediakan panitia.</p>"
        ),
        "days_ahead": 42,
        "hours": (9, 15),
        "venue": VENUE_NU,
        "capacity": 20,
        "gender": Gender.WOMEN,
        "min_age": 17,
        "opens_days_before": 21,  # announced early, enrollment opens three weeks before
        "trainers": "Perias profesional dari Lima Puluh",
        "partners": ["Dinas Koperasi dan UMKM Batu Bara"],
    },
]


def seed(*, log: Callable[[str], None], accounts: bool = False) -> None:
    partners = seed_partners(log)
    index = seed_program_index(log)
    if index is None:
        return
    program = seed_program(index, partners, log)
    seed_trainings(program, partners, log)


def seed_partners(log) -> dict[str, Partner]:
    partners = {}
    for order, (name, kind, link) in enumerate(PARTNERS, start=1):
        partner, created = Partner.objects.get_or_create(
            name=name, defaults={"kind": kind, "link": link, "sort_order": order}
        )
        partners[name] = partner
        if created:
            log(f"partner {name} created")
    return partners


def seed_program_index(log) -> ProgramIndexPage | None:
    index = ProgramIndexPage.objects.first()
    if index is not None:
        return index
    home = site_root()
    if home is None:
        return None
    index = home.add_child(
        instance=ProgramIndexPage(
            title="Program",
            slug="program",
            show_in_menus=True,
            intro=(
                "Program kerja PC GP Ansor Batu Bara untuk kader: kaderisasi, konsolidasi organisasi, dan "
                "kemandirian ekonomi lewat UMKM. Daftar pelatihan yang akan datang ada di bawah."
            ),
            search_description="Program kerja dan jadwal pelatihan kader GP Ansor Kabupaten Batu Bara.",
        )
    )
    index.save_revision().publish()
    log("program index created")
    return index


def seed_program(index: ProgramIndexPage, partners: dict[str, Partner], log) -> ProgramPage:
    program = ProgramPage.objects.child_of(index).filter(slug="pemberdayaan-umkm-kader").first()
    if program is not None:
        return program
    today = timezone.localdate()
    program = ProgramPage(
        title="Pemberdayaan UMKM Kader",
        slug="pemberdayaan-umkm-kader",
        summary=(
            "Kemandirian ekonomi kader lewat usaha mikro, kecil dan menengah: agenda utama PC GP Ansor "
            "Batu Bara setelah kaderisasi."
        ),
        goals=(
            "<ul><li>Kader pelaku usaha mendapat pelatihan yang sesuai kebutuhan usahanya.</li>"
            "<li>Produk kader dikemas lebih baik dan punya izin edar.</li>"
            "<li>Kader terhubung dengan permodalan dan pemasaran digital.</li></ul>"
        ),
        body=[
            (
                "paragraph",
                "<p>Dalam rapat koordinasi di Aula Kantor PC NU Batubara, Ketua PC GP Ansor Batu Bara "
                "menetapkan UMKM sebagai agenda prioritas setelah kaderisasi. Dinas Koperasi dan UMKM Batu "
                "Bara hadir sebagai mitra strategis dan menawarkan pendampingan, rumah kemasan, serta bantuan "
                "perizinan produk.</p>"
                "<p>BNI mendukung permodalan usaha, sedangkan PTPN 2 dan PT Pos ikut menopang pemberdayaan "
                "kader. Pelatihan disusun bersama Dinas agar sesuai dengan apa yang benar-benar dibutuhkan "
                "pelaku usaha.</p>",
            )
        ],
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(year=today.year + 1, month=12, day=31),
        status=ProgramPage.Status.ACTIVE,
        featured_image=demo_image("Pemberdayaan UMKM kader", (22, 101, 52)),
        search_description="Program Pemberdayaan UMKM Kader GP Ansor Batu Bara bersama Dinas Koperasi dan UMKM.",
    )
    program.partners = list(partners.values())
    index.add_child(instance=program)
    program.save_revision().publish()
    log("program Pemberdayaan UMKM Kader created")
    return program


def seed_trainings(program: ProgramPage, partners: dict[str, Partner], log) -> None:
    today = timezone.localdate()
    existing = set(TrainingPage.objects.child_of(program).values_list("slug", flat=True))
    coastal = list(District.objects.filter(slug__in=COASTAL_DISTRICTS))
    for spec in TRAININGS:
        if spec["slug"] in existing:
            continue
        day = today + timedelta(days=spec["days_ahead"])
        day += timedelta(days=(5 - day.weekday()) % 7)  # on a Saturday, when most cadres are free
        start_hour, end_hour = spec["hours"]
        starts_at = datetime.combine(day, time(start_hour), tzinfo=WIB)
        training = TrainingPage(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            description=spec["description"],
            starts_at=starts_at,
            ends_at=datetime.combine(day, time(end_hour), tzinfo=WIB),
            venue_name=spec["venue"][0],
            venue_address=spec["venue"][1],
            organiser=ORGANISER,
            trainers=spec["trainers"],
            capacity=spec["capacity"],
            enrollment_opens_at=(
                starts_at - timedelta(days=spec["opens_days_before"]) if "opens_days_before" in spec else None
            ),
            enrollment_closes_at=starts_at - timedelta(days=2),
            gender=spec.get("gender", Gender.ANY),
            min_age=spec.get("min_age"),
            search_description=spec["summary"],
        )
        training.partners = [partners[name] for name in spec["partners"]]
        if spec["slug"] == "pengolahan-ikan-menjadi-abon":
            # Fish processing is for the cadres of the coastal districts first.
            training.districts = coastal
        program.add_child(instance=training)
        training.save_revision().publish()
        log(f"training {spec['title']} created")
