#!/usr/bin/python3
"""Whole UDP datagrams, for the end-to-end tests: their UDP server, and ICMP errors and fragments.

    udp.py echo PORT SECS             echo every datagram back, whole, for SECS
    udp.py serve PORT SECS TAG ADDR   the end-to-end tests' UDP server on ADDR
                                      (0.0.0.0, ::, or one address) for SECS: to
                                      a peer new or silent for 5 s, a line TAG
                                      first; every datagram echoed
    udp.py late PORT DELAY            receive one datagram, then after DELAY
                                      seconds send it back to its sender
    udp.py ask SPORT HOST PORT SIZE   send one random SIZE-byte datagram from
                                      SPORT; exit 0 if the same bytes come back
                                      within 3 s
    udp.py tell SPORT HOST PORT       send one datagram from SPORT and close:
                                      a later answer finds the port closed
"""
import os
import socket
import sys
import time


def sock(port, addr="0.0.0.0"):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if ":" in addr:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    return s


def datagrams(s, secs):
    """Each datagram s receives, with its sender, for secs."""
    end = time.monotonic() + secs
    while (left := end - time.monotonic()) > 0:
        s.settimeout(left)
        try:
            yield s.recvfrom(65535)
        except socket.timeout:
            return


def echo(port, secs):
    s = sock(port)
    for data, peer in datagrams(s, secs):
        s.sendto(data, peer)


def serve(port, secs, tag, addr):
    """As socat's UDP-LISTEN,fork with -T5 and a child that says TAG, without
    its race: a datagram before the child is ready cannot start a second."""
    s = sock(port, addr)
    heard = {}
    for data, peer in datagrams(s, secs):
        now = time.monotonic()
        if peer not in heard or now - heard[peer] >= 5:
            s.sendto(tag.encode() + b"\n", peer)
        heard[peer] = now
        s.sendto(data, peer)


def late(port, delay):
    s = sock(port)
    s.settimeout(10)
    data, peer = s.recvfrom(65535)
    time.sleep(delay)
    s.sendto(data, peer)


def ask(sport, host, port, size):
    s = sock(sport)
    s.settimeout(3)
    data = os.urandom(size)
    s.sendto(data, (host, port))
    try:
        got, _ = s.recvfrom(65535)
    except socket.timeout:
        sys.exit(f"no answer to a {size}-byte datagram")
    if got != data:
        sys.exit(f"answer of {len(got)} bytes differs from the {size} sent")


def tell(sport, host, port):
    sock(sport).sendto(b"hello", (host, port))


def main():
    cmds = {"echo": (echo, int, float), "late": (late, int, float),
            "serve": (serve, int, float, str, str),
            "ask": (ask, int, str, int, int), "tell": (tell, int, str, int)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) != len(cmds[sys.argv[1]]) + 1:
        sys.exit(__doc__)
    fn, *types = cmds[sys.argv[1]]
    fn(*(t(a) for t, a in zip(types, sys.argv[2:])))


if __name__ == "__main__":
    main()
