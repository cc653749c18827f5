# shellcheck shell=bash
# Test results for the shell suites: a PASS:/FAIL: line each, and the closing
# "<suite>: N passed, N failed" that tests/run-all.sh adds up.
passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1${2:+ ($2)}"; failed=$((failed + 1)); }
# check DESC CMD...: passes when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}
# report SUITE: the closing line; succeeds when nothing failed.
report() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
