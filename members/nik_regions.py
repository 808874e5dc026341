"""The region codes a NIK may start with (Kemendagri: 2 digits of province, 2 of regency or city).

A NIK's first six digits are the province, the regency or city, and the district where it was
issued. Most of the branch's members carry a NIK of Batu Bara (1219) or of a neighbouring
regency of North Sumatra; this table lists every regency and city of North Sumatra and every
province. Elsewhere a regency code is checked for its form only: 01 to 69 for a regency
(*kabupaten*), 71 to 79 for a city (*kota*). Update it when Kemendagri forms new regions.
"""

# Provinces (the first two digits), including the Papuan provinces formed in 2022.
PROVINCES = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}

# North Sumatra's regencies and cities, all of them (the province the branch is in).
NORTH_SUMATRA = {
    "1201": "Nias",
    "1202": "Mandailing Natal",
    "1203": "Tapanuli Selatan",
    "1204": "Tapanuli Tengah",
    "1205": "Tapanuli Utara",
    "1206": "Toba",
    "1207": "Labuhanbatu",
    "1208": "Asahan",
    "1209": "Simalungun",
    "1210": "Dairi",
    "1211": "Karo",
    "1212": "Deli Serdang",
    "1213": "Langkat",
    "1214": "Nias Selatan",
    "1215": "Humbang Hasundutan",
    "1216": "Pakpak Bharat",
    "1217": "Samosir",
    "1218": "Serdang Bedagai",
    "1219": "Batu Bara",
    "1220": "Padang Lawas Utara",
    "1221": "Padang Lawas",
    "1222": "Labuhanbatu Selatan",
    "1223": "Labuhanbatu Utara",
    "1224": "Nias Utara",
    "1225": "Nias Barat",
    "1271": "Sibolga",
    "1272": "Tanjungbalai",
    "1273": "Pematangsiantar",
    "1274": "Tebing Tinggi",
    "1275": "Medan",
    "1276": "Binjai",
    "1277": "Padangsidimpuan",
    "1278": "Gunungsitoli",
}
LISTED_PROVINCES = {"12": NORTH_SUMATRA}


def region_known(code: str) -> bool:
    """Whether ``code`` (the first four digits of a NIK) is a real regency or city."""
    if len(code) != 4 or not code.isdigit():
        return False
    province, regency = code[:2], int(code[2:])
    if province not in PROVINCES:
        return False
    if province in LISTED_PROVINCES:
        return code in LISTED_PROVINCES[province]
    return 1 <= regency <= 69 or 71 <= regency <= 79
