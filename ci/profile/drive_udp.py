#!/usr/bin/python3
"""drive_udp.py - loads a UDP echo server for a fixed time: keeps WINDOW
datagrams of 64 to 1400 bytes in flight to HOST:PORT for SECONDS seconds,
checks each echo against what was sent, and prints the counts. The loop is
bounded by the clock; a lost datagram is given up after 0.2 s.

usage: drive_udp.py HOST PORT SECONDS
Exit status: 0 if at least one echo came back intact, 1 otherwise.
"""
import socket
import sys
import time

WINDOW = 16


def main():
    host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(0.2)
    sent = echoed = bad = lost = 0
    end = time.monotonic() + seconds
    inflight = 0
    while time.monotonic() < end:
        while inflight < WINDOW:
            n = 64 + (sent * 97) % 1337
            s.send(bytes([sent & 0xFF]) * n)
            sent += 1
            inflight += 1
        try:
            data = s.recv(2048)
        except socket.timeout:
            lost += inflight
            inflight = 0
            continue
        inflight -= 1
        if data and data == bytes([data[0]]) * len(data):
            echoed += 1
        else:
            bad += 1
    print("drive_udp: %d sent, %d echoed, %d bad, %d lost" % (sent, echoed, bad, lost))
    sys.exit(0 if echoed > 0 and bad == 0 else 1)


if __name__ == "__main__":
    main()
