"""The layout of ARCHITECTURE.md holds: imports run one way (checked by import-linter with the
contracts in pyproject.toml), no module imports another module's private (``_``) names, and
the SQL files have one loading number each per folder."""

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



def test_sql_files_have_distinct_numbers_per_folder():
    """Within each folder of sql/functions and in sql/schema, no two files share the numeric
    prefix that orders their loading (a shared one leaves the order to the rest of the name)."""
    root = Path(__file__).resolve().parent.parent / "sql"
    folders = [root / "schema", *sorted(p for p in (root / "functions").iterdir() if p.is_dir())]
    shared = {}
    for folder in folders:
        numbers: dict[str, list[str]] = {}
        for f in sorted(folder.glob("*.sql")):
            numbers.setdefault(f.name.split("-", 1)[0], []).append(f.name)
        shared.update({f"{folder.name}/{n}": names for n, names in numbers.items() if len(names) > 1})
    assert shared == {}
