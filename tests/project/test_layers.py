"""The layering is a contract (pyproject.toml, [tool.importlinter]) that import-linter checks:
core imports no front end, Flask or Streamlit; the portal and the console don't import each
other; no package has an import cycle between its modules."""

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, *config: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", *config], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_code_keeps_every_layering_contract():
    """Fails with import-linter's report of the broken contract and the imports that break it."""
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"]
    assert result.stdout.count(" KEPT") == len(contracts) == 3


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


# A miniature Doorstep with one mistake each: the same contracts must catch it.
CLEAN = {
    "core/__init__.py": "",
    "core/models.py": "",
    "core/services/__init__.py": "",
    "core/services/access.py": "from core import models\n",
    "core/services/customers.py": "from core.services import access\n",
    "portal_site/__init__.py": "import flask\nfrom core.services import customers\n",
    "portal_site/site.py": "",
    "staff_dashboard/__init__.py": "import streamlit\nfrom core import models\n",
    "bench/__init__.py": "import portal_site\n",
}
MISTAKES = {
    "core imports neither Flask": {"core/i18n.py": "from flask import g\n"},
    "core imports neither Flask, Streamlit nor a front end": {
        "core/demo.py": "from portal_site import site\n"},
    "the portal and the console don't import each other": {
        "staff_dashboard/mail.py": "from portal_site import site\n"},
    "no import cycles": {
        # The cycle hidden by an import inside a function counts as much as a top-level one.
        "core/services/access.py": """\
            from core import models


            def invite():
                from core.services.customers import load_customer
            """},
}


@pytest.mark.parametrize("broken", list(MISTAKES))
def test_each_contract_fails_on_the_mistake_it_forbids(tmp_path, broken):
    config = str(ROOT / "pyproject.toml")
    _write(tmp_path, CLEAN)
    clean = _lint(tmp_path, config)
    assert clean.returncode == 0, "the miniature must start clean:\n" + clean.stdout + clean.stderr
    _write(tmp_path, MISTAKES[broken])
    result = _lint(tmp_path, config)
    assert result.returncode != 0
    report = result.stdout[result.stdout.index("Broken contracts"):]
    assert broken in report
