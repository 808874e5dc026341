"""Hold templates to the layers that import-linter holds Python to (pyproject.toml, ``layers`` contract).

A template of app A may ``{% load %}`` a tag library, and ``{% include %}`` or ``{% extends %}`` a
template, only of A itself, of an app in a lower layer, of the site-wide templates (``site/``), or
of a third-party package. Apps side by side in one layer (``news | programs``) may not use each
other's. The site-wide templates (base, header, footer) are the chrome of every page: they may use
``core`` and ``home`` (navigation, site settings), never an app above ``home``.

Run by ``make lint``; exits 1 and names each offending line.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = "site"
# What the site-wide templates may use: the layers from `home` down.
SITE_MAY_USE_FROM = "home"

TAG = re.compile(r"{%-?\s*(load|include|extends)\s+(.+?)\s*-?%}", re.DOTALL)


def layers(pyproject: Path) -> list[list[str]]:
    """The ``layers`` contract, top first, each layer a list of apps side by side."""
    config = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    return [[name.strip() for name in re.split(r"[|:]", layer)] for layer in contract["layers"]]


def level_of(stack: list[list[str]]) -> dict[str, int]:
    """App → its height (0 is the bottom layer)."""
    return {app: len(stack) - 1 - index for index, layer in enumerate(stack) for app in layer}


def template_owners(apps: list[str], root: Path) -> dict[str, str]:
    """Template name (``programs/training_page.html``) → the app (or ``site``) whose folder holds it."""
    owners = {}
    for owner in [*apps, SITE]:
        folder = root / owner / "templates"
        for path in folder.rglob("*") if folder.is_dir() else ():
            if path.is_file():
                owners.setdefault(path.relative_to(folder).as_posix(), owner)
    return owners


def library_owners(apps: list[str], root: Path) -> dict[str, str]:
    """Tag library name (``checkin_tags``) → the app that defines it."""
    return {
        path.stem: app for app in apps for path in (root / app / "templatetags").glob("*.py") if path.stem != "__init__"
    }


def references(text: str):
    """(line number, kind, name) of every library loaded and every template included or extended."""
    for match in TAG.finditer(text):
        kind, argument = match.groups()
        line = text.count("\n", 0, match.start()) + 1
        if kind == "load":
            words = argument.split()
            names = words[words.index("from") + 1 :] if "from" in words else words
            for name in names:
                yield line, "library", name
        else:
            quoted = re.match(r"""["']([^"']+)["']""", argument)
            if quoted:  # a variable ({% extends page.template %}) is resolved at run time
                yield line, "template", quoted.group(1)


def check(root: Path = ROOT) -> list[str]:
    stack = layers(root / "pyproject.toml")
    level = level_of(stack)
    apps = [app for app in level if (root / app).is_dir()]
    templates = template_owners(apps, root)
    libraries = library_owners(apps, root)
    site_level = level[SITE_MAY_USE_FROM]
    problems = []
    for owner in [*apps, SITE]:
        folder = root / owner / "templates"
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if not path.is_file() or path.suffix not in {".html", ".txt", ".xml", ".ics", ".json"}:
                continue
            for line, kind, name in references(path.read_text(encoding="utf-8")):
                used = (libraries if kind == "library" else templates).get(name)
                if used is None or used in (owner, SITE):
                    continue  # Django, Wagtail, allauth, the app itself, or the site-wide templates
                allowed = level[used] <= site_level if owner == SITE else level[used] < level[owner]
                if not allowed:
                    where = path.relative_to(root).as_posix()
                    problems.append(f"{where}:{line}: {owner} may not use the {kind} {name!r} of {used}")
    return problems


def main() -> int:
    problems = check()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} template(s) reach above their layer (see pyproject.toml, [tool.importlinter])")
        return 1
    print("Templates keep to their layers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
