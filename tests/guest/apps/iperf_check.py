#!/usr/bin/python3
# apps/iperf_check.py JSON-FILE LABEL STREAMS [BYTES] - checks the --json
# output of one Debian iperf3 client run for apps/iperf.sh (Debian's
# /usr/bin/python3, standard library only): it parses, has no "error" key,
# reports STREAMS streams, and end.sum_received.bytes > 0 (== BYTES when
# given: with -R -n the client is the receiver and must get exactly the
# budget). Prints one line with the bytes and Gbit/s. Exit status 0 or 1.
import json
import sys


def main():
    path, label, want_streams = sys.argv[1], sys.argv[2], int(sys.argv[3])
    want = int(sys.argv[4]) if len(sys.argv) > 4 else None
    try:
        with open(path) as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        print("FAIL: %s: no JSON: %s" % (label, e))
        return 1
    if "error" in j:
        print("FAIL: %s: iperf3 error: %s" % (label, j["error"]))
        return 1
    try:
        rx = j["end"]["sum_received"]
        tx = j["end"]["sum_sent"]
        streams = len(j["end"]["streams"])
        rx_bytes, tx_bytes = int(rx["bytes"]), int(tx["bytes"])
        gbps = float(rx["bits_per_second"]) / 1e9
        secs = float(rx["seconds"])
    except (KeyError, TypeError, ValueError) as e:
        print("FAIL: %s: missing field: %r" % (label, e))
        return 1
    print("%s: %d stream(s), received %d bytes in %.3f s = %.3f Gbit/s "
          "(sent %d bytes)" % (label, streams, rx_bytes, secs, gbps, tx_bytes))
    fail = 0
    if streams != want_streams:
        print("FAIL: %s: %d streams, not %d" % (label, streams, want_streams))
        fail = 1
    if rx_bytes <= 0:
        print("FAIL: %s: end.sum_received.bytes is %d" % (label, rx_bytes))
        fail = 1
    if want is not None and rx_bytes != want:
        print("FAIL: %s: received %d bytes, the budget was %d" % (
            label, rx_bytes, want))
        fail = 1
    return fail


if __name__ == "__main__":
    sys.exit(main())
