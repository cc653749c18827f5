#!/usr/bin/env bash
# The whole suite (make test): unit tests, the command line, state
# integrity, operator commands, end-to-end runs on netns routers, the flood
# test, the Debian package, the cross build, and the Cockpit page in a
# browser. Independent suites run side by side (each has its own network
# namespaces and pins), TEST_JOBS at a time (default 4); their output is
# shown whole, one suite after the other. Each suite ends with
# "<suite>: N passed, N failed"; this sums them up.
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "Error: the tests load BPF programs and need root" >&2; exit 1; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# shellcheck disable=SC2206 # a list of binaries, from the Makefile
SUITES=(
	"tests/cli/fuzz.sh"
	"tests/e2e/run.sh native:nat"
	"tests/e2e/run.sh generic:nat"
	"tests/e2e/run.sh native:routed"
	"tests/e2e/run.sh native:nat:fast"
	"tests/e2e/run.sh generic:nat:fast"
	"tests/integrity/run.sh"
	"tests/e2e/flood.sh"
	"tests/ops/run.sh"
	"tests/web/run.sh"
	"tests/cli/run.sh"
	"tests/cli/install.sh"
	# The one suite that changes the system: installs the package, purges it.
	"tests/cli/deb.sh"
	"tests/cli/cross.sh"
	"tests/run-unit.sh ${UNIT_TESTS:-build/tests/test_*}"
)

run() {
	local i=$1 start=$SECONDS
	# shellcheck disable=SC2086 # a command line
	set -- ${SUITES[$i]}
	[[ $1 == tests/e2e/run.sh ]] && export E2E_RUNS=$2 && set -- "$1"
	"$@" >"$logs/$i" 2>&1
	echo "($* ${E2E_RUNS:-}: $((SECONDS - start)) s)" >>"$logs/$i"
}

start=$SECONDS
for i in "${!SUITES[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "${TEST_JOBS:-4}" ]; do
		wait -n
	done
	run "$i" &
done
wait

passed=0 failed=0
for i in "${!SUITES[@]}"; do
	cat "$logs/$i"
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$logs/$i" | tail -1)
	if [ -z "$line" ]; then
		echo "FAIL: ${SUITES[$i]} printed no result"
		failed=$((failed + 1))
		continue
	fi
	passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
	failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
done
echo
echo "all suites in $((SECONDS - start)) s"
echo "total: $passed passed, $failed failed"
[ $failed -eq 0 ]
