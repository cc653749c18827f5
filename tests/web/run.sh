#!/usr/bin/env bash
# The Cockpit page (web/cockpit) in a real browser, with real parts: Debian's
# cockpit-ws and cockpit-bridge in the router's network namespace of
# tests/lib/topology.sh (--local-session: no login, for tests only; the
# bridge runs as root, so superuser "require" is met), the page installed
# for that bridge (XDG_DATA_HOME/cockpit/ptctl, a private directory), ptctl
# found in the bridge's PATH, and headless Chromium driven by Selenium
# (tests/web/browser.py): load, a rule from the CLI, H1 triggering it, the
# add-rule form, errors as text, the buttons, a phone-sized window, the
# console. Screenshots in build/ (cockpit.png is the README's).
# Needs (scripts/install-deps.sh): cockpit-ws cockpit-bridge chromium
# chromium-driver python3-selenium. Installs nothing; about a minute.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck disable=SC2034 # read by topology.sh
PT_NS=ptweb$$
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh
# shellcheck source=../lib/report.sh
source tests/lib/report.sh

PORT=9090 # in R's own network namespace: no other suite's
BUILD_DIR=$PWD/build
missing=
for f in /usr/lib/cockpit/cockpit-ws /usr/bin/cockpit-bridge /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$f" ] || missing+=" $f"
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null || missing+=" python3-selenium"
[ -x "$PTCTL" ] || missing+=" $PTCTL (make)"
if [ -n "$missing" ]; then
	fail "missing:$missing (scripts/install-deps.sh installs them)"
	report web
	exit 1
fi

TMP=$(mktemp -d /tmp/ptweb.XXXXXX)
topo_up || { fail "topology"; rm -rf "$TMP"; report web; exit 1; }
# topo_down ends every process of the namespaces: cockpit-ws, the bridge and
# what it started, the browser.
trap 'topo_down; rm -rf "$TMP"' EXIT

mkdir -p "$TMP/data/cockpit" "$TMP/bin" "$TMP/home" "$BUILD_DIR"
ln -s "$PWD/web/cockpit" "$TMP/data/cockpit/ptctl"
ln -s "$PTCTL" "$TMP/bin/ptctl"
in_r_net env XDG_DATA_HOME="$TMP/data" PATH="$TMP/bin:$PATH" \
	timeout 170 /usr/lib/cockpit/cockpit-ws --address 127.0.0.1 --port $PORT \
	--local-session=cockpit-bridge >"$TMP/ws.log" 2>&1 &
# Wait for the port without an HTTP request: the first client takes the
# local session.
ws_listening() { in_r_net ss -Hltn "sport = :$PORT" | grep -q .; }
check "cockpit-ws listens in the router's namespace" wait_for 5 ws_listening

start=$SECONDS
result=$TMP/browser.out
in_r_net env HOME="$TMP/home" URL="http://127.0.0.1:$PORT/cockpit/@localhost/ptctl/index.html" \
	PTCTL="$PTCTL" NS_R="$NS_R" NS_H1="$NS_H1" NS_H2="$NS_H2" NS_W="$NS_W" H1="$H1" R_WAN="$R_WAN" W="$W" \
	OUT="$BUILD_DIR" PROFILE="$TMP/profile" \
	timeout 150 /usr/bin/python3 tests/web/browser.py >"$result" 2>"$TMP/browser.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"PASS: "*) pass "${line#PASS: }" ;;
	"FAIL: "*) fail "${line#FAIL: }" ;;
	esac
done <"$result"
grep -qx DONE "$result" && pass "browser.py ran to the end in $((SECONDS - start)) s (exit $rc)" ||
	fail "browser.py did not finish (exit $rc)" "$(tail -n 3 "$TMP/browser.err" | tr '\n' ' ')"
[ $rc -eq 0 ] || [ "$failed" -gt 0 ] || fail "browser.py exit $rc with no failed check"

# The page's monitor ends with the page (a ptctl monitor holds one of 4 slots).
monitor_gone() {
	local p
	for p in $(ip netns pids "$NS_R"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^ptctl -j monitor' && return 1
	done
	return 0
}
check "the page's ptctl monitor ends when the browser closes" wait_for 5 monitor_gone
check "screenshots saved in $BUILD_DIR" test -s "$BUILD_DIR/cockpit.png" -a -s "$BUILD_DIR/cockpit-phone.png"

report web
