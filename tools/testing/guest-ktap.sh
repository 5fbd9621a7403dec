# shellcheck shell=sh
# tools/testing/guest-ktap.sh - KTAP output for the checks that the guest
# scripts (iface-test.sh, unload-test.sh, tools-test.sh, memcg-test.sh) make
# in a UML guest:
# each records its results here, then writes one KTAP document ("KTAP version
# 1", "1..N", a line "ok N name", "not ok N name" or "ok N name # SKIP why"
# per check) that
# tools/testing/check.sh reads with the kernel's kunit.py, as it reads KUnit's.
# Sourced (busybox sh) before them by the init script of tools/testing/uml-run.sh.

ktap_n=0
ktap_lines=

# ktap_record RESULT NAME - record one check's line: RESULT is "ok" or
# "not ok", NAME the check's name (and "# SKIP why" for a skip)
ktap_record()
{
	ktap_n=$((ktap_n + 1))
	ktap_lines="$ktap_lines
$1 $ktap_n $2"
}

# ktap_diag TEXT - record TEXT as diagnostic lines ("# TEXT") before the next
# result: kunit.py shows them with that result when it fails
ktap_diag()
{
	while IFS= read -r ktap_line; do
		ktap_lines="$ktap_lines
# $ktap_line"
	done <<-EOT
	$1
	EOT
}

# ktap_check NAME CMD... - run CMD and record whether it succeeded
ktap_check()
{
	ktap_name=$1
	shift
	if "$@" 2>/dev/null; then
		ktap_record ok "$ktap_name"
	else
		ktap_record "not ok" "$ktap_name"
	fi
}

# ktap_write FILE - write the KTAP document of the results recorded to FILE
ktap_write()
{
	printf 'KTAP version 1\n1..%d%s\n' "$ktap_n" "$ktap_lines" >"$1"
}
