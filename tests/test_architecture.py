"""The layers of the design (README "Architecture"), held by the import-linter contracts in
pyproject.toml: cli -> app -> adapters | infra -> core, storage and content reached from app and infra
only, a core free of SDKs and ML libraries, adapters independent, no import cycles.
``make test`` runs ``lint-imports`` too; this test keeps the contracts in the plain pytest run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_contracts_see_a_core_that_imports_the_app_or_a_library(tmp_path: Path):
    """The checker can fail: the same kind of contracts on a tiny package with violations."""
    core, app = tmp_path / "pkg" / "core", tmp_path / "pkg" / "app"
    core.mkdir(parents=True)
    app.mkdir()
    for package in (tmp_path / "pkg", core, app):
        (package / "__init__.py").write_text("")
    (app / "root.py").write_text("import pkg.core.logic\n")
    (core / "logic.py").write_text("import pkg.app.root\nimport json\n")  # a layer violation and a cycle
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = pkg\ninclude_external_packages = True\n\n"
        "[importlinter:contract:layers]\nname = layers\ntype = layers\nlayers =\n    pkg.app\n    pkg.core\n\n"
        "[importlinter:contract:json]\nname = no json in core\ntype = forbidden\n"
        "source_modules = pkg.core\nforbidden_modules = json\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "layers BROKEN" in result.stdout and "no json in core BROKEN" in result.stdout
