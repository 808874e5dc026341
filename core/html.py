"""HTML written by hand where Django's helpers cost more than the page around them."""

import html as _html

from django.utils.functional import Promise


def escape(value) -> str:
    """Django's ``conditional_escape`` as text, without its lazy-argument wrapper (called per attribute)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _html.escape(str(value))


def attributes(attrs: dict) -> str:
    """The text of Django's ``flatatt(attrs)``: ``key="value"`` pairs sorted by key, then the true
    booleans by name; ``False`` and ``None`` left out; keys and values escaped."""
    pairs, flags = [], []
    for name, value in attrs.items():
        if isinstance(value, bool):
            if value:
                flags.append(name)
        elif value is not None:
            pairs.append((name, value))
    pairs.sort(key=lambda pair: pair[0])
    flags.sort()
    return "".join([f' {escape(name)}="{escape(value)}"' for name, value in pairs]) + "".join(
        [f" {escape(name)}" for name in flags]
    )
