"""The import rule of ../shared/design/architecture.md, checked on the source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CORE_FORBIDDEN = {
    "discord",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "alembic",
    "apscheduler",
    "torch",
    "sentence_transformers",
    "transformers",
    "aiohttp",
    "fsrs",
    "storage",
    "content",
    "bot.adapters",
    "bot.app.settings",
    "bot.infra.embedding",
    "bot.infra.embedding_cache",
    "yaml",
    "rich",
    "typer",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(package: Path, forbidden: set[str]) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        for name in sorted(imported_modules(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(package.parent)} imports {name}")
    return found


def test_core_imports_only_stdlib_numpy_and_itself():
    assert violations(ROOT / "bot" / "core", CORE_FORBIDDEN) == []


@pytest.mark.parametrize("adapter", sorted((ROOT / "bot" / "adapters").glob("*_adapter*")))
def test_adapters_never_import_storage_or_other_adapters(adapter: Path):
    own = adapter.stem if adapter.is_file() else adapter.name
    others = {
        f"bot.adapters.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "bot" / "adapters").glob("*_adapter*")
        if (p.stem if p.is_file() else p.name) != own
    }
    forbidden = {"storage", "sqlalchemy", "apscheduler", "bot.app.core"} | others
    target = adapter if adapter.is_dir() else adapter.parent
    files = [adapter] if adapter.is_file() else sorted(adapter.rglob("*.py"))
    found = [
        f"{f.relative_to(ROOT)} imports {name}"
        for f in files
        for name in imported_modules(f)
        if any(name == x or name.startswith(x + ".") for x in forbidden)
    ]
    assert target.exists()
    assert found == []


def test_storage_never_imports_adapters_or_ml():
    forbidden = {"bot.adapters", "discord", "slack_bolt", "slack_sdk", "torch", "sentence_transformers"}
    assert violations(ROOT / "storage", forbidden) == []


def test_the_rule_checker_sees_a_violation(tmp_path: Path):
    package = tmp_path / "core"
    package.mkdir()
    (package / "bad.py").write_text("import torch\nfrom sqlalchemy.orm import Session\nimport numpy\n")
    assert violations(package, CORE_FORBIDDEN) == [
        "core/bad.py imports sqlalchemy.orm",
        "core/bad.py imports torch",
    ]
