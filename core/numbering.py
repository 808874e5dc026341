"""Numbers made from a pattern the branch sets: ``{regency}.{district}.{year}.{seq:04d}``.

A pattern is Python's format syntax with named fields only. ``seq`` (the running number) is
required; the other fields are what the caller offers (``fields``). The *scope* of a number is
the pattern with everything but ``seq`` filled in: sequences count per scope, so
``1219.05.2026.`` and ``1219.06.2026.`` each start at 1 (members.numbers locks one counter
row per scope). Home's site settings validate the pattern with ``pattern_errors``; nothing
here knows members.
"""

from __future__ import annotations

from string import Formatter

SEQ = "seq"


def _fields(pattern: str) -> list[tuple[str, str, str]]:
    """(literal text, field name, format spec) of each part; raises ValueError for a malformed pattern."""
    return [(literal, name or "", spec or "") for literal, name, spec, _conversion in Formatter().parse(pattern)]


def pattern_errors(pattern: str, *, fields: tuple[str, ...]) -> list[str]:
    """What is wrong with ``pattern`` (English, for the caller to translate), empty when it is usable."""
    try:
        parts = _fields(pattern)
    except ValueError:
        return ["malformed"]
    names = [name for _literal, name, _spec in parts if name]
    if SEQ not in names:
        return ["no_seq"]
    if names.count(SEQ) > 1:
        return ["seq_twice"]
    unknown = [name for name in names if name != SEQ and name not in fields]
    if unknown:
        return ["unknown:" + ", ".join(sorted(set(unknown)))]
    try:
        pattern_render(pattern, values=dict.fromkeys(fields, "1"), seq=1)
    except (ValueError, KeyError, IndexError, TypeError):
        return ["malformed"]
    return []


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def pattern_scope(pattern: str, *, values: dict[str, str]) -> str:
    """The pattern with every field but ``seq`` filled in (``{seq...}`` stays, as written)."""
    out = []
    for literal, name, spec in _fields(pattern):
        out.append(_escaped(literal))
        if not name:
            continue
        if name == SEQ:
            out.append("{" + SEQ + (":" + spec if spec else "") + "}")
        else:
            out.append(_escaped(format(values[name], spec)))
    return "".join(out)


def pattern_render(pattern: str, *, values: dict[str, str], seq: int) -> str:
    """The number: the pattern with ``values`` and the sequence filled in."""
    return pattern_scope(pattern, values=values).format(**{SEQ: seq})
