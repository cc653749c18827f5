#!/usr/bin/python3
"""Generated command lines against a loaded ptctl (tests/cli/fuzz.sh runs it).

Several thousand command lines from a grammar of verbs, options, names,
ports and odd bytes. Each must: not crash (exit 0-3, no signal); when it
fails, print exactly one `Error:` line on stderr and nothing on stdout (with
-j: exactly one JSON object with "error" on stdout, nothing on stderr) and
change nothing (rules, holders, health and pins compared before and after);
when it succeeds with -j, print valid UTF-8 JSON.

usage: fuzz.py NETNS PTCTL PIN_ROOT COUNT SEED
"""
import json
import os
import random
import subprocess
import sys

NETNS, PTCTL, PIN_ROOT = sys.argv[1:4]
COUNT, SEED = int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(SEED)

ODD = [b"", b" ", b"\n", b"a\nError: forged", b"\xff", b"\xc3\x28", b"\xe2\x82", b"<b>x</b>",
       b"<img src=x onerror=alert(1)>", b"'", b'"', b"\\", b"%s%n", b"\t", b"\x7f", b"\xf0\x9f\x98\x80"]
NAMES = [b"a", b"game", b"x.y-z_1", b"chat", b"n" * 31, b"n" * 32, b"a/b", b"..", b"-", b"--"] + ODD
IFACES = [b"wan0", b"wan0/", b".", b"..", b"nov4", b"lo", b"nosuch0", b"w" * 15, b"w" * 16,
          b"a b", b"a:b", b"../wan0"] + ODD
PORTS = [b"tcp:1", b"udp:65535", b"both:1-2", b"tcp:0", b"tcp:65536", b"tcp:2-1", b"icmp:1",
         b"tcp:", b":1", b"tcp:1,udp:2", b"tcp:-1", b"tcp:1-65535", b"tcp:+5", b"tcp: 5",
         b"both:40000-40100", b"udp:99999999999999999999"] + ODD
TIMEOUTS = [b"1", b"10m", b"2h", b"1d", b"0", b"5x", b"99999999999", b"-1", b"0x10", b"31d"] + ODD
ADDRS = [b"198.51.100.1", b"300.1.1.1", b"0.0.0.0", b"1.2.3", b"::1", b"192.168.1.0/24"] + ODD
MARKS = [b"0x1", b"0x10/0x01", b"0x70740000/0xffff0000", b"-1", b"0x1/0"] + ODD
OPTS = {
    b"--dev": IFACES, b"--trigger": PORTS, b"--open": PORTS, b"--timeout": TIMEOUTS,
    b"--allow": ADDRS, b"--policy": [b"hold", b"newest", b"random"] + ODD, b"--disabled": None,
    b"--mode": [b"native", b"generic", b"turbo"] + ODD, b"--wan-addr": ADDRS, b"--mark": MARKS,
    b"--count": [b"0", b"1", b"-1", b"x"] + ODD, b"--force": None, b"--frob": None, b"-x": None,
    b"--": None, b"-": None,
}
FILES = [b"/nonexistent.conf", b"/dev/null", b"/etc/hostname", b"/tmp"] + ODD
VERBS = {
    b"add-rule": NAMES, b"del-rule": NAMES, b"enable-rule": NAMES, b"disable-rule": NAMES,
    b"release": NAMES, b"status": NAMES, b"list": None, b"stats": None, b"flush": None,
    b"apply": FILES, b"load": IFACES, b"unload": IFACES, b"monitor": None,
    b"frob": NAMES, b"": None, b"help": None, b"lod": IFACES,
}


def command():
    verb = rng.choice(list(VERBS))
    args = [verb] if verb or rng.random() < 0.5 else []
    for _ in range(rng.randint(0, 5)):
        if VERBS[verb] and rng.random() < 0.3:
            args.append(rng.choice(VERBS[verb]))
        else:
            opt = rng.choice(list(OPTS))
            if OPTS[opt] and rng.random() < 0.2:
                args.append(opt + b"=" + rng.choice(OPTS[opt]))
            else:
                args.append(opt)
                if OPTS[opt] and rng.random() < 0.9:
                    args.append(rng.choice(OPTS[opt]))
    if rng.random() < 0.4:
        args.insert(rng.randint(0, len(args)), rng.choice([b"-j", b"-p", b"--json"]))
    return args


def destructive(args):
    """Commands that would leave nothing to test on: unload or load an interface."""
    words = [a for a in args if a not in (b"-j", b"-p", b"--json")]
    return bool(words) and words[0] in (b"unload", b"load") and \
        any(a in (b"wan0", b"lo", b"nov4") for a in words[1:])


def ptctl(args, timeout=20):
    return subprocess.run(["nsenter", "--net=" + NETNS, PTCTL] + args, capture_output=True,
                          timeout=timeout)


def fingerprint():
    """Rules, holders and health (programs attached) as listed, and the pins."""
    listing = ptctl([b"-j", b"list", b"--dev", b"wan0"]).stdout
    pins = sorted(os.path.join(d, f) for d, _, fs in os.walk(PIN_ROOT) for f in fs)
    return listing, pins


def json_values(out):
    """The JSON values printed one after the other (-j: a line each, -p: indented)."""
    text, values, pos = out.decode("utf-8"), [], 0
    decoder = json.JSONDecoder()
    while text[pos:].strip():
        pos += len(text[pos:]) - len(text[pos:].lstrip())
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)
    return values


def problem(args, r, json_mode, before):
    if r.returncode < 0 or r.returncode > 3:
        return "exit %d" % r.returncode
    try:
        values = json_values(r.stdout) if json_mode else []
    except (ValueError, UnicodeDecodeError) as e:
        return "not UTF-8 JSON: %s" % e
    if r.returncode == 0:
        return None
    if json_mode:
        if len(values) != 1 or "error" not in values[0] or r.stderr:
            return "not one JSON error object"
    else:
        lines = r.stderr.splitlines()
        if len(lines) != 1 or not lines[0].startswith(b"Error: ") or r.stdout:
            return "not one Error: line"
    if fingerprint() != before:
        return "state changed"
    return None


def main():
    failures, ran, ok = [], 0, 0
    before = fingerprint()
    while ran < COUNT:
        args = command()
        if destructive(args):
            continue
        ran += 1
        json_mode = any(a in (b"-j", b"-p", b"--json") for a in args)
        try:
            r = ptctl(args, 2 if b"monitor" in args else 20)
        except subprocess.TimeoutExpired:
            continue  # a monitor that took its arguments: it runs until stopped
        why = problem(args, r, json_mode, before)
        if why:
            failures.append("%s: ptctl %r -> %d\n  out %r\n  err %r" % (why, args, r.returncode,
                                                                        r.stdout[:200], r.stderr[:300]))
        if r.returncode == 0:
            ok += 1
            before = fingerprint()
    for f in failures[:20]:
        print("FAIL: " + f)
    print("fuzz: %d command lines (seed %d), %d succeeded, %d broke the rules"
          % (ran, SEED, ok, len(failures)))
    sys.exit(1 if failures else 0)


main()
