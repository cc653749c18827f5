#!/usr/bin/env bash
# Runs the cmocka unit test binaries given as arguments; prints their output
# and a closing "unit: N passed, N failed".
passed=0 failed=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# A crash or a failure to start counts as a failure of its own.
	if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "FAIL: $t exited with status $rc"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ $failed -eq 0 ]
