#!/usr/bin/env python3
"""Write seed frames for fuzz-protocol into fuzz/corpus/protocol/.

The frames are built here from the layout documented in lib/protocol.h:
header u16 type | u16 flags | u32 len, then typed little-endian fields;
a string is a u32 length (0xffffffff = NULL) and its bytes."""
import os
import struct
import sys

NULL = None


def u8(v):
    return struct.pack("<B", v)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def s(v):
    if v is None:
        return u32(0xFFFFFFFF)
    b = v.encode()
    return u32(len(b)) + b


def frame(t, payload):
    return struct.pack("<HHI", t, 0, len(payload)) + payload


def resource(kind, device=None, path=None, url=None, unresolved=None):
    return u32(kind) + s(device) + s(path) + s(url) + s(unresolved)


def option(n_initrds=1):
    p = s("sda1:grub2:0") + s("sda1") + s("grub2") + s("Debian")
    p += resource(1, "sda2", "/vmlinuz")
    p += u32(n_initrds)
    for i in range(n_initrds):
        p += resource(2, url="tftp://h/initrd%d" % i)
    p += resource(0) + s("root=/dev/sda2 ro") + u8(1) + u32(0)
    return p


SEEDS = {
    "hello": frame(0x0001, u32(1) + u32(0) + s("kexboot-menu 0.1.0")),
    "mismatch": frame(0x0002, u32(2) + u32(0) + s(None)),
    "result": frame(0x0003, u32(7) + u32(-1) + s("refused") + s(None)),
    "device": frame(0x0100, s("sda1") + u32(0) + u32(1) + s("1234-ABCD") + s("boot")
                    + s(None) + s(None) + s("vfat") + s("/run/m/sda1") + s(None) + s(None)),
    "option": frame(0x0102, option(2)),
    "status": frame(0x0104, u32(2) + u32(50) + s("sda1") + s("scanning")),
    "autoboot": frame(0x0105, u8(1) + u8(1) + u32(10) + s("sda1:grub2:0") + s(None)),
    "config": frame(0x0106, u32(2) + s("timeout") + s("10") + s("console") + s(None)),
    "checks": frame(0x0108, u32(3) + s("x") + u32(1) + s("kexec-enabled") + u32(2)
                    + s("disabled") + s("/proc/sys/kernel/kexec_load_disabled") + s(None)),
    "boot-override": frame(0x0200, u32(1) + u32(1) + s(None) + s(None) + u8(1) + option(1)),
    "session": frame(0x0001, u32(1) + u32(5) + s("srv")) + frame(0x0109, b"")
    + frame(0x0203, u32(4) + s("timeout") + s("5")),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "protocol")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
