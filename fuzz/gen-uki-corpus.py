#!/usr/bin/env python3
"""Write the UKI fuzzer's seed corpus (fuzz/corpus/uki/): minimal PE/COFF
images with .osrel, .cmdline and .uname sections, laid out from the PE
format's documentation (DOS stub with e_lfanew, COFF header, an empty
optional header, the section table, then the section data).
usage: fuzz/gen-uki-corpus.py [OUT_DIR]"""
import os
import struct
import sys


def pe(sections, machine=0x8664):
    pe_off = 0x40
    hdr = b'MZ' + b'\0' * 0x3a + struct.pack('<I', pe_off)
    opt = b'\0' * 0xf0
    coff = b'PE\0\0' + struct.pack('<HHIIIHH', machine, len(sections), 0, 0, 0, len(opt), 0x22)
    data_off = pe_off + len(coff) + len(opt) + 40 * len(sections)
    table = b''
    blobs = b''
    for name, content in sections:
        off = data_off + len(blobs)
        table += name.ljust(8, b'\0') + struct.pack('<IIIIIIHHI', len(content), 0, len(content), off,
                                                   0, 0, 0, 0, 0x40000040)
        blobs += content
    return hdr + coff + opt + table + blobs


out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus', 'uki')
os.makedirs(out, exist_ok=True)
seeds = {
    'seed-debian.efi': pe([(b'.osrel', b'PRETTY_NAME="Debian GNU/Linux 12"\nVERSION_ID=12\n'),
                           (b'.cmdline', b'root=UUID=x ro quiet\n'), (b'.uname', b'6.1.0-9-amd64\n')]),
    'seed-arm.efi': pe([(b'.osrel', b'NAME=Fedora\n'), (b'.cmdline', b' console=ttyAMA0 ')], machine=0xaa64),
    'seed-noosrel.efi': pe([(b'.text', b'\xc3')]),
}
for name, blob in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(blob)
