"""A generator of WAT probe modules (compiled with ``wasmtime.wat2wasm``): each step calls one
WASI preview 1 function with constant arguments and prints ``label errno value`` on stdout,
so one module can run against wasmtime's own preopened host directory and against Tarbox and
the two outputs be compared line by line.

A step is ``(label, function, args)``; an argument is
  * an int: an i32 constant; ``I64(n)``: an i64 constant;
  * ``Str(b"...")``: two i32 arguments, pointer and length of the bytes in a data segment;
  * ``Out("name")``: an i32 pointer to a fresh 8-byte result slot; the first Out of a step is
    printed as the step's ``value`` (its i64);
  * ``Fd("name")``: the i32 stored in slot ``Out("name")`` of an earlier step;
  * ``Buf(n, "name")``: an i32 pointer to a fresh zeroed n-byte buffer;
  * ``Iov(b"data")``: two i32 arguments, a pointer to one iovec holding the bytes, and 1;
  * ``RIov(n, "name")``: two i32 arguments, one iovec over a fresh n-byte buffer, and 1.
A step can also be ``Dump("name", n)``: print the first n bytes of a named buffer in hex.
"""

from __future__ import annotations

from dataclasses import dataclass

import wasmtime

from tarbox_shell.wasi.host import SIGNATURES


@dataclass(frozen=True)
class I64:
    value: int


#: Every WASI right, as the i64 argument of path_open.
ALL_RIGHTS_ARG = I64((1 << 30) - 1)


@dataclass(frozen=True)
class Str:
    data: bytes


@dataclass(frozen=True)
class Out:
    name: str


@dataclass(frozen=True)
class Fd:
    name: str


@dataclass(frozen=True)
class Buf:
    size: int
    name: str = ""


@dataclass(frozen=True)
class Iov:
    data: bytes


@dataclass(frozen=True)
class RIov:
    size: int
    name: str


@dataclass(frozen=True)
class Dump:
    name: str
    size: int


class _Layout:
    def __init__(self) -> None:
        self.next = 8192
        self.data: list[tuple[int, bytes]] = []
        self.slots: dict[str, int] = {}
        self.bufs: dict[str, int] = {}

    def alloc(self, n: int) -> int:
        ptr = self.next
        self.next += (n + 15) // 16 * 16 + 16
        return ptr

    def blob(self, data: bytes) -> int:
        ptr = self.alloc(max(len(data), 1))
        self.data.append((ptr, data))
        return ptr


def _bytes(data: bytes) -> str:
    return "".join(f"\\{b:02x}" for b in data)


_RUNTIME = """
  (global $pos (mut i32) (i32.const 0))
  (func $putc (param $c i32)
    (i32.store8 (global.get $pos) (local.get $c))
    (global.set $pos (i32.add (global.get $pos) (i32.const 1))))
  (func $puts (param $p i32) (param $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (call $putc (i32.load8_u (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l))))
  (func $putnum (param $v i64)
    (local $n i32)
    (if (i64.lt_s (local.get $v) (i64.const 0))
      (then (call $putc (i32.const 45)) (local.set $v (i64.sub (i64.const 0) (local.get $v)))))
    (loop $l
      (i32.store8 (i32.add (i32.const 4200) (local.get $n))
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $l (i64.ne (local.get $v) (i64.const 0))))
    (block $done (loop $r
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (call $putc (i32.load8_u (i32.add (i32.const 4200) (local.get $n))))
      (br $r))))
  (func $flush
    (i32.store (i32.const 4096) (i32.const 0))
    (i32.store (i32.const 4100) (global.get $pos))
    (drop (call $fd_write (i32.const 1) (i32.const 4096) (i32.const 1) (i32.const 4104)))
    (global.set $pos (i32.const 0)))
  (func $emit (param $l i32) (param $n i32) (param $err i32) (param $v i64)
    (call $puts (local.get $l) (local.get $n))
    (call $putc (i32.const 32))
    (call $putnum (i64.extend_i32_u (local.get $err)))
    (call $putc (i32.const 32))
    (call $putnum (local.get $v))
    (call $putc (i32.const 10))
    (call $flush))
  (func $dump (param $l i32) (param $n i32) (param $p i32) (param $size i32)
    (local $b i32)
    (call $puts (local.get $l) (local.get $n))
    (call $putc (i32.const 32))
    (block $done (loop $x
      (br_if $done (i32.eqz (local.get $size)))
      (local.set $b (i32.load8_u (local.get $p)))
      (call $putc (i32.load8_u (i32.add (i32.const 4300) (i32.shr_u (local.get $b) (i32.const 4)))))
      (call $putc (i32.load8_u (i32.add (i32.const 4300) (i32.and (local.get $b) (i32.const 15)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $size (i32.sub (local.get $size) (i32.const 1)))
      (br $x)))
    (call $putc (i32.const 10))
    (call $flush))
  (data (i32.const 4300) "0123456789abcdef")
"""


def wat(steps: list) -> str:
    """The WAT text of a command module that runs ``steps`` in order."""
    lay = _Layout()
    body: list[str] = []
    used = {"fd_write"}
    for step in steps:
        if isinstance(step, Dump):
            label = lay.blob(step.name.encode())
            body.append(f"(call $dump (i32.const {label}) (i32.const {len(step.name)}) "
                        f"(i32.const {lay.bufs[step.name]}) (i32.const {step.size}))")
            continue
        label_text, func, args = step
        used.add(func)
        label = lay.blob(label_text.encode())
        parts: list[str] = []
        first_out = None
        for a in args:
            if isinstance(a, int):
                parts.append(f"(i32.const {a})")
            elif isinstance(a, I64):
                parts.append(f"(i64.const {a.value})")
            elif isinstance(a, Str):
                parts.append(f"(i32.const {lay.blob(a.data)}) (i32.const {len(a.data)})")
            elif isinstance(a, Out):
                ptr = lay.alloc(8)
                lay.slots[a.name] = ptr
                first_out = ptr if first_out is None else first_out
                parts.append(f"(i32.const {ptr})")
            elif isinstance(a, Fd):
                parts.append(f"(i32.load (i32.const {lay.slots[a.name]}))")
            elif isinstance(a, Buf):
                ptr = lay.alloc(a.size)
                if a.name:
                    lay.bufs[a.name] = ptr
                parts.append(f"(i32.const {ptr})")
            elif isinstance(a, Iov):
                data = lay.blob(a.data)
                iov = lay.blob(data.to_bytes(4, "little") + len(a.data).to_bytes(4, "little"))
                parts.append(f"(i32.const {iov}) (i32.const 1)")
            elif isinstance(a, RIov):
                buf = lay.alloc(a.size)
                lay.bufs[a.name] = buf
                iov = lay.blob(buf.to_bytes(4, "little") + a.size.to_bytes(4, "little"))
                parts.append(f"(i32.const {iov}) (i32.const 1)")
            else:
                raise TypeError(a)
        value = f"(i64.load (i32.const {first_out}))" if first_out is not None else "(i64.const 0)"
        body.append(f"(call $emit (i32.const {label}) (i32.const {len(label_text)}) "
                    f"(call ${func} {' '.join(parts)}) {value})")
    pages = lay.next // 65536 + 2
    imports = []
    for name in sorted(used):
        params = " ".join(f"(param {t})" for t in SIGNATURES[name])
        imports.append(f'(import "wasi_snapshot_preview1" "{name}" (func ${name} {params} (result i32)))')
    data = "\n  ".join(f'(data (i32.const {p}) "{_bytes(d)}")' for p, d in lay.data)
    return (f"(module\n  {chr(10).join(imports)}\n  (memory (export \"memory\") {pages})\n"
            f"  {data}\n{_RUNTIME}\n  (func (export \"_start\")\n    "
            + "\n    ".join(body) + "))\n")


def build(steps: list) -> bytes:
    """The wasm binary (bytes) of :func:`wat` of ``steps``."""
    return bytes(wasmtime.wat2wasm(wat(steps)))
