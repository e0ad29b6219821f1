"""Every environment variable is read once, in core.config.Settings, and the README's
configuration table lists each one."""

import re
from pathlib import Path

import pytest

from core import config

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "portal_site", "staff_dashboard")
ENV_ACCESS = re.compile(r"\bos\.environ\b|\bgetenv\b|\bfrom os import\b[^\n]*\benviron\b")
# Handing the whole environment on to a child process reads no setting.
PASS_ON = re.compile(r"dict\(os\.environ\b")
# Not yet moved (by the branch that reworks the mail worker's retries): remove when it lands.
PENDING = {"portal_site/mail/worker.py"}
ENV_NAME = re.compile(r'(?:os\.environ\.get|_number|_port|_flag_env)\(\s*"([A-Z0-9_]+)"')


def _environment_reads(path: Path) -> list[str]:
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if ENV_ACCESS.search(PASS_ON.sub("", line)):
            lines.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return lines


def test_no_code_but_the_settings_reads_the_environment():
    """Read a new variable in core.config.Settings and take it from there."""
    found = [hit for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
             if path != ROOT / "core" / "config.py"
             and str(path.relative_to(ROOT)) not in PENDING
             for hit in _environment_reads(path)]
    assert not found, "environment read outside core/config.py:\n" + "\n".join(found)


def test_the_check_finds_each_way_of_reading_the_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text('import os\nA = os.environ.get("A")\nB = os.getenv("B")\n'
                      'C = os.environ["C"]\nfrom os import environ\n'
                      'child = dict(os.environ, D="1")\n')
    assert [hit.split(":")[1] for hit in _environment_reads(sample)] == ["2", "3", "4", "5"]


def _readme_table_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration"):]
    section = section[:section.index("\n## ", 1)]
    return {name for row in section.splitlines() if row.startswith("| `")
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_readme_lists_every_variable_the_settings_read():
    read = set(ENV_NAME.findall(Path(config.__file__).read_text(encoding="utf-8")))
    assert {"DATABASE_URL", "CONSOLE_URL", "PORTAL_TRUSTED_PROXIES"} <= read
    missing = read - _readme_table_variables()
    assert not missing, f"README's configuration table does not list {sorted(missing)}"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CONSOLE_PORT", "9601")
    monkeypatch.delenv("CONSOLE_URL", raising=False)
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "2")
    settings = config.load_settings()
    assert (settings.console_url, settings.portal_trusted_proxies) == (
        "http://127.0.0.1:9601", 2)
    monkeypatch.setenv("CONSOLE_URL", "https://console.example.test/")
    assert config.load_settings().console_url == "https://console.example.test"


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_a_bad_proxy_count_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", value)
    with pytest.raises(ValueError, match="PORTAL_TRUSTED_PROXIES must be (a whole number|between)"):
        config.load_settings()
