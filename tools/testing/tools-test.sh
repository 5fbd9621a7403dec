# shellcheck shell=sh disable=SC2154 # out, log and bb are the init script's
# tools/testing/tools-test.sh - zallocstat and the tracepoints, tried from
# inside a UML guest that has loaded no module yet. Sourced (busybox sh) by
# the init script of tools/testing/uml-run.sh after guest-ktap.sh; uses its
# "log", "$bb" and "$out", and ZT_ZALLOC, ZT_EXAMPLE (module files), ZT_ROUNDS (the example's
# rounds) and ZT_STAT (the zallocstat binary). Leaves in $out, for
# tools/testing/check.sh to judge:
#   zs-notloaded.txt  zallocstat -o before zalloc is loaded
#   trace             the zalloc events while the example loaded (tracefs)
#   zs-once.txt       zallocstat -o with the example loaded
#   zs-stats          the stats file right after it
#   zs-notroot.txt    zallocstat -o as the user nobody
#   zs-nodebugfs.txt  zallocstat -o with debugfs unmounted
#   tools.ktap        the checks of zallocstat's exit status and message in
#                     each zs-*.txt, a KTAP document (tools/testing/guest-ktap.sh)
# Each zs-*.txt ends with "exit STATUS".

bb=${bb:-/bin/busybox}
t=/sys/kernel/tracing

# zs NAME - run "zallocstat -o" into $out/zs-NAME.txt, with its exit status
zs()
{
	"$ZT_STAT" -o >"$out/zs-$1.txt" 2>&1
	echo "exit $?" >>"$out/zs-$1.txt"
}

# zs_expect NAME STATUS TEXT - check that zs-NAME.txt ends with "exit
# STATUS" and says TEXT; what it says goes with a failure
zs_expect()
{
	zs_file=$out/zs-$1.txt
	zs_check="zallocstat $1: exit $2, says \"$3\""
	if [ "$($bb tail -n 1 "$zs_file" 2>/dev/null)" = "exit $2" ] &&
		$bb grep -qF "$3" "$zs_file"; then
		ktap_record ok "$zs_check"
	else
		ktap_diag "$($bb cat "$zs_file" 2>&1)"
		ktap_record "not ok" "$zs_check"
	fi
}

zs notloaded
$bb insmod "$ZT_ZALLOC" || log "INSMOD FAILED zalloc"
[ -d $t/events ] || $bb mount -t tracefs tracefs $t
echo >$t/trace
echo 1 >$t/events/zalloc/enable || log "TOOLS cannot enable the zalloc events"
$bb insmod "$ZT_EXAMPLE" rounds="$ZT_ROUNDS" || log "INSMOD FAILED zalloc_example"
echo 0 >$t/events/zalloc/enable
# Read while the example is loaded, so that call_site resolves to its symbols.
$bb cat $t/trace >"$out/trace"
zs once
$bb cat /sys/kernel/debug/zalloc/stats >"$out/zs-stats"
$bb su -s /bin/sh nobody -c "$ZT_STAT -o" >"$out/zs-notroot.txt" 2>&1
echo "exit $?" >>"$out/zs-notroot.txt"
if $bb umount /sys/kernel/debug; then
	zs nodebugfs
	$bb mount -t debugfs debugfs /sys/kernel/debug
fi
$bb rmmod zalloc_example || log "RMMOD FAILED zalloc_example"
$bb rmmod zalloc || log "RMMOD FAILED zalloc"
zs_expect notloaded 1 "zalloc is not loaded"
zs_expect notroot 1 "run zallocstat as root"
zs_expect nodebugfs 1 "debugfs is not mounted"
zs_expect once 0 "TOTAL"
ktap_write "$out/tools.ktap"
