"""The layout of ARCHITECTURE.md holds: imports run one way (checked by import-linter with the
contracts in pyproject.toml) and no module imports another module's private (``_``) names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tarbox_shell"


def test_import_contracts_are_kept():
    """``lint-imports`` (import-linter) reports every contract of pyproject.toml kept."""
    exe = Path(sys.executable).with_name("lint-imports")
    res = subprocess.run([str(exe)], capture_output=True, text=True, cwd=PACKAGE.parent, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "broken" in res.stdout and " 0 broken" in res.stdout


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_of(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def test_no_private_names_imported_across_modules():
    """``from X import _name`` never names a module other than the importing one."""
    offences = []
    for path in PACKAGE.rglob("*.py"):
        module = _module_of(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _source_of(module, path.name == "__init__.py", node)
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if private and source != module:
                        offences.append(f"{module} imports {alias.name} from {source}")
    assert offences == []


def test_every_subpackage_says_what_it_owns():
    """Each subpackage of tarbox_shell has a module docstring that names what it may import."""
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "Imports:" in doc, f"{init.relative_to(PACKAGE.parent)} lacks its docstring"

