# shellcheck shell=sh disable=SC2154 # out, log and bb are the init script's
# tools/testing/unload-test.sh - zalloc removed while its parameters are being
# written, from inside a UML guest that has loaded no module yet. Sourced
# (busybox sh) by the init script of tools/testing/uml-run.sh after
# guest-ktap.sh; uses its "log", "$bb" and "$out", and UT_ZALLOC (the module
# file) and UT_CYCLES (load and unload cycles).
#
# The parameters' sysfs files outlive zalloc_exit(): the kernel removes them
# after exit() returns, and a write that gets in meanwhile (or one that was
# under way when rmmod began) would run a setter against what exit() tore
# down. In each cycle, four writers loop on fastpath, debug, strategy and
# profile while rmmod runs. Writes refused once unloading has begun, or that find no
# file, are what is expected; what must not happen is a kernel report, which
# tools/testing/check.sh looks for in the kernel log. Leaves in $out:
#   unload.ktap  insmod worked in every cycle, every writer had a write
#                taken before rmmod began (so that the writers did reach
#                zalloc's files), rmmod worked in every cycle: a KTAP
#                document (tools/testing/guest-ktap.sh)

p=/sys/module/zalloc/parameters
bb=${bb:-/bin/busybox}
# Created by writer N once it has had a write taken (the cycle's first).
ut_ready=$out/unload-ready

# writer N FILE VALUE... - write each VALUE to FILE in turn until killed;
# create $ut_ready.N after the first write that was taken
writer()
{
	(
		ut_n=$1
		ut_file=$2
		shift 2
		while :; do
			for ut_v in "$@"; do
				if echo "$ut_v" >"$ut_file" && [ -n "$ut_n" ]; then
					: >"$ut_ready.$ut_n"
					ut_n=
				fi
			done
		done 2>/dev/null
	) &
	ut_pids="$ut_pids $!"
}

# writers_ready - wait (at most 10 s) until the four writers have each had
# a write taken
writers_ready()
{
	ut_t=0
	until [ -e "$ut_ready.1" ] && [ -e "$ut_ready.2" ] && [ -e "$ut_ready.3" ] &&
		[ -e "$ut_ready.4" ]; do
		[ "$ut_t" -lt 1000 ] || return 1
		$bb sleep 0.01
		ut_t=$((ut_t + 1))
	done
}

# progress STEP - where the current cycle is, in init.log only (not the
# kernel log, which check_log judges): a boot that times out says where
progress()
{
	echo "unload cycle $ut_i: $1" >>"$out/init.log"
}

ut_insmods=0
ut_ready_cycles=0
ut_rmmods=0
ut_i=0
while [ "$ut_i" -lt "$UT_CYCLES" ]; do
	ut_i=$((ut_i + 1))
	progress insmod
	if ! $bb insmod "$UT_ZALLOC"; then
		log "INSMOD FAILED zalloc (unload cycle $ut_i)"
		continue
	fi
	ut_insmods=$((ut_insmods + 1))
	$bb rm -f "$ut_ready".*
	ut_pids=
	writer 1 $p/fastpath N Y
	writer 2 $p/debug Y N
	writer 3 $p/strategy standard auto
	writer 4 $p/profile Y N
	# rmmod once every writer is at it, with them still writing.
	if writers_ready; then
		ut_ready_cycles=$((ut_ready_cycles + 1))
	fi
	progress rmmod
	if $bb rmmod zalloc; then
		ut_rmmods=$((ut_rmmods + 1))
	else
		log "RMMOD FAILED zalloc (unload cycle $ut_i)"
	fi
	# shellcheck disable=SC2086 # the writers' pids, one word each
	kill $ut_pids
	progress "waiting for the writers"
	wait
done
$bb rm -f "$ut_ready".*
ktap_check "insmod worked in each of $UT_CYCLES cycles" \
	[ "$ut_insmods" = "$UT_CYCLES" ]
ktap_check "every writer had a write taken before rmmod, in each of $UT_CYCLES cycles" \
	[ "$ut_ready_cycles" = "$UT_CYCLES" ]
ktap_check "rmmod worked in each of $UT_CYCLES cycles, with fastpath, debug, strategy and profile written meanwhile" \
	[ "$ut_rmmods" = "$UT_CYCLES" ]
ktap_write "$out/unload.ktap"
