#!/usr/bin/python3
# apps/tcp_clients.py - the TCP clients of apps/tcp_echo.sh, run with
# Debian's /usr/bin/python3 (standard library only) inside the test's
# network namespace. Every socket has a timeout, so nothing blocks forever.
#
#   tcp_clients.py conns ADDR PORT N BYTES
#       N connections, all open at once (a barrier after every connect),
#       each sends BYTES of its own random stream from a writer thread,
#       half-closes and reads the echo until the server closes; each
#       echo must equal what was sent (SHA-256). One line per connection.
#   tcp_clients.py halfclose ADDR PORT
#       for 1 byte, 1000 bytes and 128 KiB: sends everything and
#       half-closes (shutdown SHUT_WR) before reading a single byte, then
#       reads until the server closes: every byte must come back after
#       our FIN, intact. 128 KiB is twice the guest's receive window, so
#       the FIN waits behind queued data, and still well inside what the
#       buffers on the path hold while we do not read (no flow-control
#       deadlock).
#
# Exit status 0 when every check passed, 1 otherwise (printed).
import hashlib
import os
import socket
import sys
import threading

TIMEOUT = 30


def connect(addr, port):
    s = socket.create_connection((addr, port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def read_to_eof(s):
    h = hashlib.sha256()
    n = 0
    while True:
        b = s.recv(65536)
        if not b:
            return n, h.hexdigest()
        h.update(b)
        n += len(b)


def conns(addr, port, n, size):
    barrier = threading.Barrier(n, timeout=TIMEOUT)
    results = [None] * n

    def one(i):
        try:
            data = os.urandom(size)
            s = connect(addr, port)
            barrier.wait()

            def write():
                try:
                    s.sendall(data)
                    s.shutdown(socket.SHUT_WR)
                except OSError as e:
                    results[i] = "write: %s" % e

            w = threading.Thread(target=write)
            w.start()
            got, digest = read_to_eof(s)
            w.join(TIMEOUT)
            s.close()
            want = hashlib.sha256(data).hexdigest()
            if results[i] is None:
                if got == size and digest == want:
                    results[i] = "ok"
                else:
                    results[i] = "got %d bytes sha256=%s, sent %d sha256=%s" % (
                        got, digest, size, want)
        except (OSError, threading.BrokenBarrierError) as e:
            results[i] = "error: %r" % e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(3 * TIMEOUT)
    fail = 0
    for i, r in enumerate(results):
        print("conn %d: %d bytes: %s" % (i, size, r))
        if r != "ok":
            fail = 1
    return fail


def halfclose(addr, port):
    fail = 0
    for size in (1, 1000, 128 * 1024):
        data = os.urandom(size)
        try:
            s = connect(addr, port)
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            got, digest = read_to_eof(s)
            s.close()
        except OSError as e:
            print("halfclose %d bytes: error: %r" % (size, e))
            fail = 1
            continue
        ok = got == size and digest == hashlib.sha256(data).hexdigest()
        print("halfclose %d bytes: got %d back after our FIN: %s" % (
            size, got, "ok" if ok else "DIFFERENT"))
        if not ok:
            fail = 1
    return fail


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "conns":
        return conns(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                     int(sys.argv[5]))
    if len(sys.argv) == 4 and sys.argv[1] == "halfclose":
        return halfclose(sys.argv[2], int(sys.argv[3]))
    print("usage: tcp_clients.py conns ADDR PORT N BYTES | halfclose ADDR PORT")
    return 2


if __name__ == "__main__":
    sys.exit(main())
