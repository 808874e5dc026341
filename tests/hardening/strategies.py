"""Hypothesis strategies for what visitors (and scripts) type into forms and query strings."""

from hypothesis import strategies as st

# Fragments that have broken web applications before: NUL (PostgreSQL refuses it in text),
# quotes and SQL, markup and template syntax, path tricks, huge and odd numbers, bad dates.
NASTY = [
    "\x00",
    "a\x00b",
    "'",
    '"',
    "' OR '1'='1",
    "1; DROP TABLE members_member; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7|add:7 }}{% debug %}",
    "%00",
    "%",
    "\\",
    "../../../../etc/passwd",
    "\u202egnp.exe",
    "\ufeff",
    "\U0001d538\U0001d55f\U0001d564\U0001d560\U0001d563 \U0001f1ee\U0001f1e9",  # math letters, a flag
    "\r\nSet-Cookie: x=1",
    " ",
    "",
    "-1",
    "0",
    "99999999999999999999999999999999",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "0x10",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "31/12/1899",
    "a" * 5000,
]

# Any text that a browser can send (UTF-8, so no lone surrogates), including controls and NUL.
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)

odd_text = st.one_of(
    st.sampled_from(NASTY),
    any_text,
    st.tuples(st.sampled_from(NASTY), any_text).map("".join),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.dates().map(lambda day: day.strftime("%d/%m/%Y")),
)

odd_number = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(["0", "-0", "00", "1.5", "1e3", "", "NaN", "½", "١٢٣"]),
)


def query(*names: str):
    """A query string dictionary: the known parameters and some unknown ones, with odd values."""
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(names, odd_text))
    unknown = st.dictionaries(st.one_of(st.sampled_from(NASTY), any_text), odd_text, max_size=2)
    return st.tuples(known, unknown).map(lambda pair: pair[1] | pair[0])
