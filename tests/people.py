"""Data that looks like the branch's: names, places and numbers as cadres really write them.

Apostrophes (Nur'aini, Jum'at, Ma'had), ampersands (Kopi & Kue), long words and both
phone forms (+62 and 08) are what broke the first version in real use; tests that show
people's text to people use these, so escaping and encoding mistakes cannot hide.
"""

from dataclasses import dataclass

PASSWORD = "Kader-Ansor-2024!"


@dataclass(frozen=True)
class Person:
    full_name: str
    email: str
    phone: str  # as typed on the form: 08... or +62...
    phone_e164: str  # as the portal stores it
    gender: str  # a Member.Gender value: "female" or "male"
    district_slug: str
    village: str
    occupation: str
    business_name: str = ""


PEOPLE = (
    Person(
        "Nur'aini Siregar",
        "nuraini@example.org",
        "0812-6123-4501",
        "+6281261234501",
        "female",
        "talawi",
        "Labuhan Ruku",
        "Pedagang",
        "Kopi & Kue Nur'aini",
    ),
    Person(
        "Muhammad Jum'at Lubis",
        "jumat.lubis@example.org",
        "+62 813 7012 3402",
        "+6281370123402",
        "male",
        "tanjung-tiram",
        "Bagan Dalam",
        "Nelayan",
        'Abon Ikan "Jum\'at" & Sons',
    ),
    Person(
        "Siti Khadijah binti Abdurrahman Al-Ma'arif",
        "khadijah@example.org",
        "081377788803",
        "+6281377788803",
        "female",
        "lima-puluh-pesisir",
        "Perupuk",
        "Penjahit",
        "Tenun & Tengkuluk Ma'had Al-Ma'arif",
    ),
    Person(
        "Ahmad Fauzi Nasution",
        "fauzi@example.org",
        "0852 6100 2204",
        "+6285261002204",
        "male",
        "datuk-tanah-datar",
        "Petatal",
        "Petani sawit",
    ),
    Person(
        "Dewi <b>Ariani</b> O'Neill",
        "dewi.oneill@example.org",
        "+6282167004405",
        "+6282167004405",
        "female",
        "sei-suka",
        "Kuala Tanjung",
        "Wiraswasta",
        "Rias & Busana <Dewi>",
    ),
)

NURAINI, JUMAT, KHADIJAH, FAUZI, DEWI = PEOPLE
