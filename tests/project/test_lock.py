"""A fresh machine installs exactly what requirements.lock pins, and the lock covers pyproject."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^ ;\\]+)")


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := PIN.match(line):
            pins[canonicalize_name(match["name"])] = match["version"]
    return pins


def test_every_locked_file_carries_a_hash():
    """pip installs with --require-hashes, so every pin must name the files it may take."""
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert blocks and all("--hash=sha256:" in block for block in blocks if PIN.match(block))


def test_the_environment_is_exactly_the_lock():
    """Every locked package is installed at the locked version: nothing came from elsewhere."""
    wrong = {name: (version, _installed(name)) for name, version in _locked().items()
             if _installed(name) != version}
    assert not wrong, f"installed versions differ from requirements.lock: {wrong}"


def test_the_lock_satisfies_every_range_in_pyproject():
    """A dependency added to pyproject.toml without `make lock` fails here, not on a fresh clone."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    pins = _locked()
    unmet = []
    for text in wanted:
        requirement = Requirement(text)
        version = pins.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{text} (locked: {version})")
    assert not unmet, "run `make lock`: " + ", ".join(unmet)


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
