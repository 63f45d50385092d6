"""The compiled-module cache: a module is compiled once and loaded from its serialized form
afterwards; a damaged entry is compiled again; an unusable cache directory only costs the
compile."""

from __future__ import annotations

import os
import stat

import pytest
import wasmtime

from tarbox_shell.errors import TarboxError
from tarbox_shell.wasi import modules

SRC = '(module (memory (export "memory") 1) (func (export "_start")))'


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TARBOX_WASM_CACHE", str(path))
    return path


def _refuse_compiling(monkeypatch):
    def compile_again(self, *a, **kw):
        raise AssertionError("compiled again instead of loading the cache")
    monkeypatch.setattr(wasmtime.Module, "__init__", compile_again)


def test_compiled_once_then_loaded(cache, tmp_path, monkeypatch, engine):
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(wasmtime.wat2wasm(SRC))
    modules.load(engine, wasm)
    entries = list(cache.glob("*.cwasm"))
    assert len(entries) == 1
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    _refuse_compiling(monkeypatch)
    module = modules.load(engine, wasm)
    assert [e.name for e in module.exports] == ["memory", "_start"]


def test_a_damaged_entry_is_compiled_again(cache, tmp_path, engine):
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(wasmtime.wat2wasm(SRC))
    modules.load(engine, wasm)
    (entry,) = cache.glob("*.cwasm")
    entry.write_bytes(b"not a compiled module")
    module = modules.load(engine, wasm)
    assert [e.name for e in module.exports] == ["memory", "_start"]
    assert entry.read_bytes() != b"not a compiled module", "the entry was replaced"


def test_another_module_gets_another_entry(cache, tmp_path, engine):
    other = '(module (memory (export "memory") 2) (func (export "_start")))'
    for i, body in enumerate([SRC, other]):
        p = tmp_path / f"m{i}.wasm"
        p.write_bytes(wasmtime.wat2wasm(body))
        modules.load(engine, p)
    assert len(list(cache.glob("*.cwasm"))) == 2


def test_an_unusable_cache_only_costs_the_compile(tmp_path, monkeypatch, engine):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("TARBOX_WASM_CACHE", str(blocker / "cache"))
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(wasmtime.wat2wasm(SRC))
    assert modules.load(engine, wasm) is not None


def test_a_shared_cache_directory_is_not_trusted(tmp_path, monkeypatch, engine):
    """A cache directory others can write to could hand us a forged compiled module:
    it is neither read nor written."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv("TARBOX_WASM_CACHE", str(shared))
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(wasmtime.wat2wasm(SRC))
    modules.load(engine, wasm)
    assert list(shared.iterdir()) == []


def test_wat_text_is_accepted_and_errors_are_one_line(tmp_path, cache, engine):
    p = tmp_path / "m.wat"
    p.write_text(SRC)
    assert modules.load(engine, p) is not None
    with pytest.raises(TarboxError) as exc:
        modules.load(engine, tmp_path)
    assert "is a directory" in exc.value.message
