#!/usr/bin/python3
"""The ICMP errors of a capture, one line each, checksums recomputed here.

    icmp_errors.py PCAP

prints for every ICMP destination unreachable, time exceeded or parameter
problem in PCAP (a tcpdump capture of an Ethernet interface):

    TYPE CODE OUTER_SRC OUTER_DST INNER_SRC:SPORT INNER_DST:DPORT SUMS

SUMS is "ok" when the ICMP checksum, the embedded IP header's checksum and,
when the embedded datagram is whole, its UDP or TCP checksum are what they
must be, recomputed from scratch from the captured bytes; else the names of
the wrong ones. The end-to-end tests check NAT translations of ICMP errors
(RFC 5508) with it.
"""
import ipaddress
import struct
import sys

ERRORS = (3, 11, 12)


def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def csum_ok(data):
    return ones_sum(data) == 0xFFFF


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    if struct.unpack(order + "I", data[20:24])[0] != 1:
        sys.exit(f"{path}: not an Ethernet capture")
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(order + "I", data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def addr(b):
    return str(ipaddress.IPv4Address(b))


def l4_ok(ip):
    """The embedded datagram's L4 checksum, if it is all there: True, False, None."""
    ihl = (ip[0] & 0xF) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    proto = ip[9]
    if proto not in (6, 17) or len(ip) < total:
        return None
    l4 = ip[ihl:total]
    if proto == 17 and l4[6:8] == b"\0\0":
        return True  # UDP without a checksum
    return csum_ok(ip[12:20] + bytes([0, proto]) + struct.pack("!H", len(l4)) + l4)


def describe(ip):
    """The line for the IPv4 packet ip if it is an ICMP error, else None."""
    ihl = (ip[0] & 0xF) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    if ip[9] != 1 or len(ip) < total or total < ihl + 8 + 20:
        return None
    icmp = ip[ihl:total]
    if icmp[0] not in ERRORS:
        return None
    inner = icmp[8:]
    iihl = (inner[0] & 0xF) * 4
    bad = []
    if not csum_ok(icmp):
        bad.append("icmp")
    if len(inner) < iihl or not csum_ok(inner[:iihl]):
        bad.append("inner-ip")
    if l4_ok(inner) is False:
        bad.append("inner-l4")
    sport, dport = struct.unpack("!HH", inner[iihl:iihl + 4]) if len(inner) >= iihl + 4 else (0, 0)
    return (f"{icmp[0]} {icmp[1]} {addr(ip[12:16])} {addr(ip[16:20])} "
            f"{addr(inner[12:16])}:{sport} {addr(inner[16:20])}:{dport} {','.join(bad) or 'ok'}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: icmp_errors.py PCAP")
    for frame in frames(sys.argv[1]):
        if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
            line = describe(frame[14:])
            if line:
                print(line)


if __name__ == "__main__":
    main()
