#!/usr/bin/env python3
"""Adversarial and load peers for kexboot-discover's control socket.

Frames are built from the layout in lib/protocol.h: an 8-byte header
(u16 type | u16 flags | u32 len, little-endian) and typed payload fields; a
string is a u32 length (0xffffffff = NULL) and its bytes.

  kbpeer.py random SOCK COUNT SEED     COUNT connections sending random frames
  kbpeer.py many SOCK N                N clients connect at once; each must
                                       get HELLO ... SYNC_DONE; prints timings
  kbpeer.py stall SOCK SECONDS         HELLO, then never read; exit 0 if the
                                       daemon closed us within SECONDS
  kbpeer.py requests SOCK [FORCE]      every privileged request type; prints
                                       "TYPE status message" per RESULT
  kbpeer.py hello SOCK                 one HELLO round trip; prints the
                                       number of options in the sync
  kbpeer.py watch SOCK SECONDS         stay connected, reading every event;
                                       prints "adds N removes N" (devices) when
                                       SIGTERM'd or after SECONDS; exit 1 if
                                       the daemon closed the connection
Every wait is bounded; no address but the Unix socket is ever used.
"""
import os
import random
import select
import socket
import struct
import sys
import time

VERSION = 1
HELLO, MISMATCH, RESULT, AUTH = 0x0001, 0x0002, 0x0003, 0x0004
OPTION_ADD, SYNC_DONE = 0x0102, 0x0109
BOOT, CHECK, RESCAN, CONFIG_SET, CANCEL, USER_ADD, USER_REMOVE, NEXT_BOOT, EXIT_SHELL = \
    range(0x0200, 0x0209)
KNOWN = [1, 2, 3, 4, 0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107, 0x108,
         0x109] + list(range(0x200, 0x209))
BOOT_FORCE = 1 << 1
BOOT_DRY_RUN = 1 << 0
MAX_PAYLOAD = 256 * 1024


def u8(v):
    return struct.pack("<B", v)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def s(v):
    if v is None:
        return u32(0xFFFFFFFF)
    b = v.encode()
    return u32(len(b)) + b


def frame(t, payload, flags=0):
    return struct.pack("<HHI", t, flags, len(payload)) + payload


def hello_frame(agent="kbpeer"):
    return frame(HELLO, u32(VERSION) + u32(0) + s(agent))


def resource_dev(device, path):
    return u32(1) + s(device) + s(path) + s(None) + s(None)


def resource_none():
    return u32(0) + s(None) + s(None) + s(None) + s(None)


def option_payload(name, kernel_url):
    # id, device, parser, name, kernel, n_initrds, dtb, args, default, order
    return (s(None) + s(None) + s(None) + s(name)
            + u32(2) + s(None) + s(None) + s(kernel_url) + s(None)
            + u32(0) + resource_none() + s("quiet") + u8(0) + u32(0))


def connect(path, timeout=10.0):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(timeout)
    c.connect(path)
    return c


def recv_exact(c, n):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            raise EOFError("daemon closed the connection")
        buf += chunk
    return buf


def read_frame(c):
    t, fl, n = struct.unpack("<HHI", recv_exact(c, 8))
    return t, recv_exact(c, n)


def get_str(p, off):
    (n,) = struct.unpack_from("<I", p, off)
    off += 4
    if n == 0xFFFFFFFF:
        return None, off
    return p[off:off + n].decode(errors="replace"), off + n


def parse_result(p):
    req_id, status = struct.unpack_from("<Ii", p, 0)
    msg, off = get_str(p, 8)
    val, off = get_str(p, off)
    return req_id, status, msg, val


def sync(c):
    """HELLO and read the initial state; returns the number of options."""
    c.sendall(hello_frame())
    n_opts = 0
    while True:
        t, p = read_frame(c)
        if t == MISMATCH:
            raise RuntimeError("version mismatch")
        if t == OPTION_ADD:
            n_opts += 1
        if t == SYNC_DONE:
            return n_opts


def wait_result(c, req_id):
    while True:
        t, p = read_frame(c)
        if t == RESULT:
            r = parse_result(p)
            if r[0] == req_id:
                return r


def closed_by_peer(c, seconds):
    """Drain c until EOF (True) or until seconds pass (False)."""
    end = time.monotonic() + seconds
    c.setblocking(False)
    while time.monotonic() < end:
        r, _, _ = select.select([c], [], [], max(0.0, end - time.monotonic()))
        if not r:
            continue
        try:
            if not c.recv(1 << 20):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except BlockingIOError:
            pass
    return False


def cmd_random(path, count, seed):
    rng = random.Random(seed)
    kinds = {"bytes": 0, "bad-header": 0, "known-type-garbage": 0,
             "after-hello": 0, "truncated": 0, "oversized": 0}
    for i in range(count):
        kind = rng.choice(list(kinds))
        kinds[kind] += 1
        c = connect(path)
        try:
            if kind == "bytes":
                data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 512)))
            elif kind == "bad-header":
                data = struct.pack("<HHI", rng.randint(0, 0xFFFF), rng.randint(1, 0xFFFF),
                                   rng.randint(0, 1 << 20))
            elif kind == "known-type-garbage":
                n = rng.randint(0, 300)
                data = frame(rng.choice(KNOWN), bytes(rng.getrandbits(8) for _ in range(n)))
            elif kind == "after-hello":
                n = rng.randint(0, 300)
                data = hello_frame() + frame(rng.choice(KNOWN),
                                             bytes(rng.getrandbits(8) for _ in range(n)))
            elif kind == "truncated":
                data = hello_frame()[:rng.randint(1, 15)]
            else:
                data = struct.pack("<HHI", HELLO, 0, MAX_PAYLOAD + rng.randint(1, 1 << 30))
            c.sendall(data)
            if kind in ("after-hello", "known-type-garbage", "bad-header", "oversized") \
                    and not closed_by_peer(c, 5):
                # a frame the daemon accepted (a valid request by chance) is fine
                # as long as it answers; a stalled daemon is not
                pass
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            c.close()
    print("sent " + ", ".join("%s %d" % kv for kv in kinds.items()))


def cmd_many(path, n):
    t0 = time.monotonic()
    socks = []
    for _ in range(n):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        socks.append(c)
    t_conn = time.monotonic() - t0
    for c in socks:
        c.sendall(hello_frame("kbpeer-many"))
    # read every sync concurrently
    bufs = {c: b"" for c in socks}
    done = {}
    end = time.monotonic() + 60
    for c in socks:
        c.setblocking(False)
    while len(done) < n and time.monotonic() < end:
        r, _, _ = select.select([c for c in socks if c not in done], [], [], 1.0)
        for c in r:
            try:
                chunk = c.recv(1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                done[c] = "closed"
                continue
            bufs[c] += chunk
            b = bufs[c]
            while len(b) >= 8:
                t, fl, ln = struct.unpack_from("<HHI", b, 0)
                if len(b) < 8 + ln:
                    break
                if t == SYNC_DONE:
                    done[c] = "synced"
                b = b[8 + ln:]
            bufs[c] = b
    synced = sum(1 for v in done.values() if v == "synced")
    elapsed = time.monotonic() - t0
    for c in socks:
        c.close()
    print("clients %d synced %d connect %.3f s total %.3f s" % (n, synced, t_conn, elapsed))
    return 0 if synced == n else 1


def cmd_stall(path, seconds):
    c = connect(path)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.sendall(hello_frame("kbpeer-stall"))
    # never read: only look for the close at the end
    time.sleep(seconds)
    dropped = closed_by_peer(c, 1)
    print("stalled client %s" % ("dropped" if dropped else "still connected"))
    return 0 if dropped else 1


def cmd_requests(path, force):
    c = connect(path, 30)
    sync(c)
    flags = BOOT_DRY_RUN | (BOOT_FORCE if force else 0)
    reqs = [
        ("BOOT", frame(BOOT, u32(1) + u32(flags) + s("x:y:0") + s(None) + u8(0))),
        ("BOOT_FORCE", frame(BOOT, u32(2) + u32(flags | BOOT_FORCE) + s(None) + s(None)
                             + u8(1) + option_payload("evil", "file:///etc/shadow"))),
        ("RESCAN", frame(RESCAN, u32(3) + s(None) + s(None))),
        ("CONFIG_SET", frame(CONFIG_SET, u32(4) + s("timeout") + s("0"))),
        ("CANCEL_AUTOBOOT", frame(CANCEL, u32(5) + s(None) + s(None))),
        ("USER_ADD", frame(USER_ADD, u32(6) + u32(0) + s(None) + s(None)
                           + u8(1) + option_payload("evil", "file:///etc/shadow"))),
        ("USER_REMOVE", frame(USER_REMOVE, u32(7) + s("user:user:0") + s(None))),
        ("NEXT_BOOT", frame(NEXT_BOOT, u32(8) + s("x:y:0") + s(None))),
        ("EXIT_SHELL", frame(EXIT_SHELL, u32(9) + s(None) + s(None))),
    ]
    rc = 0
    for i, (name, f) in enumerate(reqs):
        c.sendall(f)
        req_id, status, msg, _ = wait_result(c, i + 1)
        print("%s %d %s" % (name, status, msg))
        if status == 0:
            rc = 1
    return rc


def cmd_watch(path, seconds):
    import signal
    c = connect(path, 30)
    sync(c)
    counts = {"adds": 0, "removes": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    end = time.monotonic() + seconds
    c.settimeout(0.5)
    closed = False
    while not stop and time.monotonic() < end:
        try:
            t, p = read_frame(c)
        except socket.timeout:
            continue
        except (EOFError, ConnectionResetError):
            closed = True
            break
        if t == 0x0100:
            counts["adds"] += 1
        elif t == 0x0101:
            counts["removes"] += 1
    print("adds %d removes %d%s" % (counts["adds"], counts["removes"],
                                    " (closed by the daemon)" if closed else ""))
    return 1 if closed else 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, path = argv[1], argv[2]
    if cmd == "random":
        cmd_random(path, int(argv[3]), int(argv[4]))
        return 0
    if cmd == "many":
        return cmd_many(path, int(argv[3]))
    if cmd == "stall":
        return cmd_stall(path, float(argv[3]))
    if cmd == "requests":
        return cmd_requests(path, len(argv) > 3)
    if cmd == "watch":
        return cmd_watch(path, float(argv[3]))
    if cmd == "hello":
        c = connect(path, 60)
        print(sync(c))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
