#!/usr/bin/env bash
# The whole suite (make test): unit tests, CLI tests, operator commands and
# end-to-end tests on a netns router.
# Each suite ends with "<suite>: N passed, N failed"; this sums them up.
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "Error: the tests load BPF programs and need root" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0 failed=0
run_suite() {
	"$@" 2>&1 | tee "$log"
	local line
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "FAIL: $* printed no result"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
	failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
}

# shellcheck disable=SC2086 # a list of binaries, from the Makefile
run_suite tests/run-unit.sh ${UNIT_TESTS:-build/tests/test_*}
run_suite tests/cli/run.sh
run_suite tests/cli/install.sh
run_suite tests/ops/run.sh
run_suite tests/e2e/run.sh
echo
echo "total: $passed passed, $failed failed"
[ $failed -eq 0 ]
