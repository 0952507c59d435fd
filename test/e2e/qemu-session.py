#!/usr/bin/env python3
"""Drive a QEMU guest's serial console: start QEMU with the first serial port
on our pipes, log every byte (raw) to --log, and run a small script of steps
against the text seen so far (terminal escape sequences stripped):

  expect:REGEX[:SECONDS]   wait until REGEX appears after the previous match
  send:TEXT                write TEXT (C escapes: \\e \\r \\n \\x1b ...)
  key:NAME[*N]             write a key from the terminfo of --term (down, up,
                           enter, escape, ...), N times
  sleep:SECONDS
  mark:NAME                remember the time under NAME

Prints one line per step with the time since QEMU started, then
"TIME name seconds" for each mark and expect, and exits 0 when every step
passed and QEMU exited by itself within --timeout; 1 otherwise (after killing
QEMU). Usage: qemu-session.py --log FILE [--timeout S] [--term T]
[--step STEP]... -- QEMU-COMMAND...
"""
import argparse
import codecs
import os
import re
import select
import subprocess
import sys
import time

ANSI = re.compile(rb"\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78DEHMNOcZ])|[\x00-\x08\x0e-\x1f\x7f]")

KEYS = {"down": "kcud1", "up": "kcuu1", "left": "kcub1", "right": "kcuf1",
        "home": "khome", "end": "kend", "npage": "knp", "ppage": "kpp"}


def key_bytes(term, name):
    if name == "enter":
        return b"\r"
    if name == "escape":
        return b"\x1b"
    cap = KEYS[name]
    out = subprocess.run(["tput", "-T", term, cap], capture_output=True, check=True).stdout
    return out


class Session:
    def __init__(self, cmd, log):
        self.start = time.monotonic()
        self.log = open(log, "wb")
        self.tlog = open(log + ".times", "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.text = b""   # escape-stripped text
        self.pos = 0       # where the next expect starts
        self.partial = b""  # raw bytes of a sequence cut by a read

    def now(self):
        return time.monotonic() - self.start

    def pump(self, until):
        """Read output until the deadline; False at EOF."""
        fd = self.proc.stdout.fileno()
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return True
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return True
            data = os.read(fd, 65536)
            if not data:
                return False
            self.log.write(data)
            self.log.flush()
            self.tlog.write("%.3f %d\n" % (self.now(), len(data)))
            raw = self.partial + data
            # keep an unfinished escape sequence for the next read
            cut = raw.rfind(b"\x1b")
            if cut >= 0 and len(raw) - cut < 16 and not ANSI.match(raw, cut):
                raw, self.partial = raw[:cut], raw[cut:]
            else:
                self.partial = b""
            self.text += ANSI.sub(b"", raw.replace(b"\r", b""))
            return True

    def wait(self, seconds):
        """Keep reading (and logging) for this long."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.pump(deadline):
            pass

    def expect(self, regex, seconds):
        pat = re.compile(regex.encode())
        deadline = time.monotonic() + seconds
        while True:
            m = pat.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return True
            if time.monotonic() >= deadline:
                return False
            if not self.pump(deadline):
                m = pat.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return True
                return False

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--term", default="vt220")
    ap.add_argument("--step", action="append", default=[])
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()

    s = Session(a.cmd, a.log)
    end = s.start + a.timeout
    ok = True
    times = []
    for step in a.step:
        kind, _, arg = step.partition(":")
        if kind == "expect":
            secs = end - time.monotonic()
            m = re.match(r"^(.*):(\d+(?:\.\d+)?)$", arg)
            if m:
                arg, secs = m.group(1), min(float(m.group(2)), secs)
            if not s.expect(arg, secs):
                print("%7.2fs FAILED expect %r" % (s.now(), arg))
                ok = False
                break
            print("%7.2fs matched %r" % (s.now(), arg))
            times.append((arg, s.now()))
        elif kind == "send":
            s.send(codecs.decode(arg, "unicode_escape").encode("latin-1"))
            print("%7.2fs sent %r" % (s.now(), arg))
        elif kind == "key":
            name, _, n = arg.partition("*")
            for _ in range(int(n or 1)):
                s.send(key_bytes(a.term, name))
                s.wait(0.3)
            print("%7.2fs key %s" % (s.now(), arg))
        elif kind == "sleep":
            s.wait(float(arg))
        elif kind == "mark":
            times.append((arg, s.now()))
        else:
            print("unknown step %r" % step)
            ok = False
            break
    # let the guest finish (it powers off by itself)
    while ok and s.proc.poll() is None and time.monotonic() < end:
        if not s.pump(min(end, time.monotonic() + 1)):
            break
    try:
        s.proc.wait(timeout=max(0.1, end - time.monotonic()) if ok else 0.1)
    except subprocess.TimeoutExpired:
        pass
    if s.proc.poll() is None:
        print("%7.2fs QEMU still running: killed" % s.now())
        s.proc.kill()
        s.proc.wait()
        ok = False
    # drain what is left
    try:
        rest = s.proc.stdout.read() or b""
    except OSError:
        rest = b""
    s.log.write(rest)
    s.log.close()
    for name, t in times:
        print("TIME %s %.2f" % (name, t))
    print("TIME total %.2f" % s.now())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
