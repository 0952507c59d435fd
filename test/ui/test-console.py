#!/usr/bin/env python3
"""kexboot-console on pseudo-terminals: never the host's real consoles.

usage: test-console.py BUILDDIR

Three ptys stand in for consoles: two listed in a consoles file written in
/proc/consoles' format, one named by the (fake) daemon's console setting.
Checks: the console list (--list: names from the file, --console and the
daemon, tty0 -> tty1, dedupe, TERM per kind), a menu on each pty with the
pty as its controlling terminal and the daemon's options on screen, a key on
one pty reaching the daemon, a killed menu coming back, an unusable console
not stopping the others, and SIGTERM stopping everything.
"""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

B = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
CONSOLE = os.path.join(B, "utils/kexboot-console")
MENU = os.path.join(B, "ui/ncurses/kexboot-menu")
FAKE = os.path.join(B, "test/ui/fake-server")
for p in (CONSOLE, MENU, FAKE):
    if not os.access(p, os.X_OK):
        print(f"FAIL: {p} not built")
        sys.exit(1)

passed = failed = 0


def check(desc, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok: {desc}")
    else:
        failed += 1
        print(f"FAIL: {desc} {detail}")


W = tempfile.mkdtemp(prefix="kb-console-test.")
procs = []


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    subprocess.run(["rm", "-rf", W])


def run_list(*args):
    r = subprocess.run([CONSOLE, "--list", *args], capture_output=True, text=True, timeout=10)
    return r.returncode, r.stdout, r.stderr


try:
    # --- the console list, without opening anything ---
    cf = os.path.join(W, "consoles")
    with open(cf, "w") as f:
        f.write("ttyS0                -W- (EC p a)    4:64\n"
                "tty0                 -WU (E  p  )    4:1\n"
                "hvc0                 -W- (E    a)  229:0\n"
                "ttyS0                -W- (EC p a)    4:64\n")
    rc, out, err = run_list("--consoles-file", cf, "--console", "ttyAMA0,115200n8",
                            "--console", "/dev/hvc0", "--no-daemon-console")
    check("--list exits 0", rc == 0, err)
    check("consoles from the file and --console, deduplicated, tty0 -> tty1",
          out == ("ttyS0 /dev/ttyS0 vt220\ntty1 /dev/tty1 linux\nhvc0 /dev/hvc0 vt220\n"
                  "ttyAMA0 /dev/ttyAMA0 vt220\n"), repr(out))
    rc, out, err = run_list("--consoles-file", cf, "--term", "xterm", "--no-daemon-console")
    check("--term overrides every TERM", all(l.endswith(" xterm") for l in out.splitlines()) and out, out)
    rc, out, err = run_list("--consoles-file", "", "--console", "../etc/passwd", "--no-daemon-console")
    check("a name with '..' is refused with a reason", out == "" and "'..'" in err, err)
    r = subprocess.run([CONSOLE, "--consoles-file", "", "--no-daemon-console"],
                       capture_output=True, text=True, timeout=10)
    check("no consoles at all: exit 1 with a reason", r.returncode == 1 and "no consoles" in r.stderr,
          r.stderr)

    # --- three ptys, 80x24 ---
    ptys = []
    for _ in range(3):
        m, s = os.openpty()
        fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.set_blocking(m, False)
        ptys.append((m, s, os.ttyname(s)))
    names = [p[2] for p in ptys]
    with open(cf, "w") as f:
        for n in names[:2]:
            f.write(f"{n[len('/dev/'):]:<20} -W- (E    a)  136:0\n")

    sock = os.path.join(W, "sock")
    script = os.path.join(W, "script")
    flog = os.path.join(W, "fake.log")
    ctl = os.path.join(W, "ctl")
    os.mkfifo(ctl)
    T = "\t"
    with open(script, "w") as f:
        f.write(f"config{T}console{T}{names[2][len('/dev/'):]}\n"
                f"config{T}timeout{T}10\n"
                f"device{T}sda1{T}ext4{T}ROOT\n"
                f"option{T}sda1:grub2:0{T}sda1{T}grub2{T}0{T}1{T}Debian GNU/Linux{T}/vmlinuz{T}root=/dev/sda1\n"
                f"option{T}sda1:grub2:1{T}sda1{T}grub2{T}1{T}0{T}Rescue shell entry{T}/vmlinuz{T}single\n"
                f"sync\n")
    fake = subprocess.Popen([FAKE, "--socket", sock, "--script", script, "--log", flog, "--control", ctl])
    procs.append(fake)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    ctlfd = os.open(ctl, os.O_RDWR)  # keeps the FIFO open for the fake server

    rc, out, err = run_list("--consoles-file", cf, "--socket", sock)
    check("the daemon's console setting is added",
          out.splitlines() == [f"{n[5:]} {n} vt220" for n in names], repr(out) + err)

    errlog = open(os.path.join(W, "console.err"), "w+")
    missing = os.path.join(W, "no-such-console")
    launcher = subprocess.Popen([CONSOLE, "--consoles-file", cf, "--console", missing, "--socket", sock,
                                 "--menu", MENU], stdin=subprocess.DEVNULL, stdout=errlog, stderr=errlog,
                                env=dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8"))
    procs.append(launcher)

    bufs = [b"", b"", b""]

    def pump(seconds, until=None):
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([p[0] for p in ptys], [], [], 0.05)
            for i, p in enumerate(ptys):
                if p[0] in r:
                    try:
                        bufs[i] += os.read(p[0], 65536)
                    except (BlockingIOError, OSError):
                        pass
            if until and until():
                return True
        return bool(until and until())

    def shows(i, text):
        return text.encode() in bufs[i]

    ok = pump(10, lambda: all(shows(i, "Rescue shell entry") for i in range(3)))
    check("a menu on each of the three consoles shows the daemon's options", ok,
          [b[-300:] for b in bufs])
    check("TERM=vt220 on a pty: ASCII frames", all(b"+-----" in b and b"lqqqq" not in b for b in bufs))

    def menus():
        kids = []
        try:
            with open(f"/proc/{launcher.pid}/task/{launcher.pid}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            pass
        return kids

    def stat(pid):
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        return {"sid": int(fields[3]), "tty": int(fields[4])}

    pump(1)  # the missing console's menu fails and waits to be retried
    kids = menus()
    check("three menus running (the missing console does not count)", len(kids) == 3, kids)
    ttys = {os.stat(n).st_rdev: n for n in names}
    owned = {}
    for k in kids:
        try:
            st = stat(k)
        except OSError:
            continue
        if st["sid"] == k and st["tty"] in ttys:
            owned[ttys[st["tty"]]] = k
    check("each menu leads its own session with its pty as controlling terminal",
          sorted(owned) == sorted(names), owned)
    envs_ok = True
    for k in owned.values():
        with open(f"/proc/{k}/environ", "rb") as f:
            envs_ok &= b"TERM=vt220\0" in f.read() + b"\0"
    check("the menus run with TERM=vt220", envs_ok)
    errlog.seek(0)
    err = errlog.read()
    check("the unusable console is reported", "no-such-console" in err and "cannot open" in err, err)

    # a key on one console reaches the daemon (any key cancels autoboot)
    os.write(ctlfd, f"autoboot{T}1{T}10{T}sda1:grub2:0\n".encode())
    pump(1, lambda: all(shows(i, "press any key") for i in range(3)))
    check("the countdown shows on every console", all(shows(i, "press any key") for i in range(3)))
    os.write(ptys[1][0], b"x")

    def logged(what):
        try:
            return what in open(flog).read()
        except OSError:
            return False

    check("a key on the second console cancels autoboot",
          pump(5, lambda: logged("CANCEL_AUTOBOOT")))

    # a menu that dies comes back on the same console
    victim = owned.get(names[0])
    bufs[0] = b""
    if victim:
        os.kill(victim, signal.SIGKILL)
    ok = pump(10, lambda: shows(0, "Rescue shell entry"))
    new = [k for k in menus() if k != victim]
    check("a killed menu is restarted on its console", ok and victim and len(new) == 3, (victim, new))
    errlog.seek(0)
    check("the restart is logged", re.search(r"killed by signal 9; restarting", errlog.read()) is not None)

    # SIGTERM stops every menu, then the launcher
    kids = menus()
    launcher.send_signal(signal.SIGTERM)
    try:
        rc = launcher.wait(timeout=8)
    except subprocess.TimeoutExpired:
        rc = None
    check("SIGTERM: the launcher exits 0", rc == 0, rc)
    alive = [k for k in kids if os.path.exists(f"/proc/{k}") and
             open(f"/proc/{k}/stat").read().split(") ")[1][0] != "Z"]
    check("SIGTERM: every menu is gone", not alive, alive)
    errlog.seek(0)
    err = errlog.read()
    check("the launcher wrote nothing alarming",
          "out of memory" not in err and "event loop" not in err, err)
finally:
    cleanup()

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
