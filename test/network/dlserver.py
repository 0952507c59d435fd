#!/usr/bin/env python3
"""A small HTTP server whose paths behave badly on purpose, for the download
tests (test/network/test-download.c, test/network/test-network.sh).

Usage: dlserver.py [ADDRESS [PORT]]  (default 127.0.0.1, an ephemeral port)
It prints the port it listens on, one line, then serves until killed.

Paths (NAME is free text, so that each test has its own counters):
  /file/SIZE          SIZE bytes of pattern (byte i is i % 251), Content-Length
  /progress/SIZE      the same in 16 pieces, 0.1 s apart
  /trickle/SIZE       the same, 1 KiB every 0.05 s (a slow server)
  /stall/NAME         headers (Content-Length 1000000), then silence for 60 s
  /flaky/NAME         the first request is dropped (closed without an
                      answer), the following ones get 4096 bytes of pattern
  /big/NAME           headers announcing 1 GiB, then silence for 60 s
  /chunked/SIZE       SIZE bytes of pattern, chunked (no Content-Length),
                      16 KiB chunks 0.02 s apart
  /notfound/NAME      404
  /stats/PATH         "requests=R disconnects=D completed=C" for PATH: how
                      many requests it had, how many ended with the client
                      gone mid-answer, how many were answered in full
"""
import http.server
import socketserver
import sys
import threading
import time

LOCK = threading.Lock()
STATS = {}  # path -> [requests, disconnects, completed]


def stat(path, i):
    with LOCK:
        STATS.setdefault(path, [0, 0, 0])[i] += 1


def pattern(size):
    return bytes(i % 251 for i in range(size))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def head(self, code, length=None, chunked=False):
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self.send_header("Content-Length", str(length))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()

    def pieces(self, data, size, delay, chunked=False):
        for off in range(0, len(data), size):
            part = data[off:off + size]
            if chunked:
                part = b"%x\r\n" % len(part) + part + b"\r\n"
            self.wfile.write(part)
            self.wfile.flush()
            time.sleep(delay)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def do_GET(self):
        self.close_connection = True
        parts = self.path.split("/", 2)
        kind = parts[1] if len(parts) > 1 else ""
        arg = parts[2] if len(parts) > 2 else ""
        if kind == "stats":
            with LOCK:
                r, d, c = STATS.get("/" + arg, [0, 0, 0])
            body = ("requests=%d disconnects=%d completed=%d\n" % (r, d, c)).encode()
            self.head(200, len(body))
            self.wfile.write(body)
            return
        stat(self.path, 0)
        try:
            if self.serve(kind, arg):
                stat(self.path, 2)
        except (BrokenPipeError, ConnectionResetError):
            stat(self.path, 1)

    def serve(self, kind, arg):
        """Answer; True when answered in full."""
        if kind in ("file", "progress", "trickle", "chunked") and arg.isdigit():
            data = pattern(int(arg))
            if kind == "chunked":
                self.head(200, chunked=True)
                self.pieces(data, 16384, 0.02, chunked=True)
                return True
            self.head(200, len(data))
            if kind == "file":
                self.wfile.write(data)
            elif kind == "progress":
                self.pieces(data, max(1, len(data) // 16), 0.1)
            else:
                self.pieces(data, 1024, 0.05)
            return True
        if kind in ("stall", "big"):
            self.head(200, 1000000 if kind == "stall" else 1 << 30)
            time.sleep(60)
            return False
        if kind == "flaky":
            with LOCK:
                first = STATS[self.path][0] == 1
            if first:
                return False  # closed with no answer at all
            data = pattern(4096)
            self.head(200, len(data))
            self.wfile.write(data)
            return True
        self.head(404, 0)
        return True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    addr = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    srv = Server((addr, port), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
