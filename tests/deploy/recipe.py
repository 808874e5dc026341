"""Reading the production recipe in deploy/ the way a server does, for the tests of this folder."""

import re
import shlex
import subprocess
from pathlib import Path

from ..processes import ROOT

DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
ENV_TEMPLATE = DEPLOY / "portal.env.example"
NGINX_TEMPLATE = DEPLOY / "nginx.conf.template"
# Where the units expect the checkout and its virtualenv, and their runtime folder (the socket).
APP_DIR = "/srv/portal/app"
RUN_DIR = "/run/portal"


def render_nginx_site(**values: str) -> str:
    """The nginx site as deploy/nginx-site prints it on a server, with ``values`` in its environment."""
    result = subprocess.run(
        [str(DEPLOY / "nginx-site")],
        env={"PATH": "/usr/bin:/bin", **values},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def env_template() -> dict[str, str]:
    """The variables the environment template sets (``NAME=value`` lines, comments left out)."""
    values = {}
    for line in ENV_TEMPLATE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def unit_setting(unit: str, key: str) -> str:
    for line in (UNITS / unit).read_text().splitlines():
        if line.startswith(f"{key}="):
            return line.partition("=")[2]
    raise KeyError(f"{unit} has no {key}=")


def unit_command(unit: str, *, bin_dir: Path, run_dir: Path) -> list[str]:
    """The unit's ExecStart as this machine runs it: the virtualenv's programs and the runtime
    folder swapped for this checkout's and a test's, every argument as the unit has it."""
    command = shlex.split(unit_setting(unit, "ExecStart"))
    venv_bin = f"{APP_DIR}/.venv/bin/"
    assert command[0].startswith(venv_bin), f"{unit} should run a program of the virtualenv: {command[0]}"
    command[0] = str(bin_dir / command[0].removeprefix(venv_bin))
    return [argument.replace(RUN_DIR, str(run_dir)) for argument in command]


SIZE = re.compile(r"^(\d+)([kKmM]?)$")


def nginx_size(value: str) -> int:
    number, unit = SIZE.match(value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def nginx_body_limits(site: str) -> dict[str, int]:
    """``client_max_body_size`` by location prefix ("/" for the HTTPS server's own)."""
    limits: dict[str, int] = {}
    location = "/"
    for line in site.splitlines():
        line = line.strip()
        if found := re.match(r"^location\s+(?:\^~\s+)?(/\S*)\s*\{", line):
            location = found.group(1)
        elif found := re.match(r"^client_max_body_size\s+(\S+);", line):
            limits[location] = nginx_size(found.group(1))
    return limits
