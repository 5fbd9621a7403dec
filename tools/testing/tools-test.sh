# shellcheck shell=sh disable=SC2154 # out, log and bb are the init script's
# tools/testing/tools-test.sh - zallocstat and the tracepoints, tried from
# inside a UML guest that has loaded no module yet. Sourced (busybox sh) by
# the init script of tools/testing/uml-run.sh after guest-ktap.sh; uses its
# "log", "$bb" and "$out", and ZT_ZALLOC, ZT_EXAMPLE (module files), ZT_ROUNDS (the example's
# rounds), ZT_STAT (the zallocstat binary) and ZT_TMUX (the host's tmux,
# which runs here over hostfs as zallocstat does). zalloc's profile
# parameter is on while the example is loaded. Leaves in $out, for
# tools/testing/check.sh to judge:
#   zs-notloaded.txt  zallocstat -o before zalloc is loaded
#   trace             the zalloc events while the example loaded (tracefs)
#   zs-once.txt       zallocstat -o with the example loaded
#   zs-stats          the stats file right after it
#   zs-notroot.txt    zallocstat -o as the user nobody
#   zs-nodebugfs.txt  zallocstat -o with debugfs unmounted
#   callers           the callers file with the example loaded
#   zs-callers.txt    zallocstat -c -o then
#   zs-nocallers.txt  zallocstat -c -o with profiling off
#   screen-{pools,callers}-{1,2}.txt
#                     "zallocstat -d 1 -s live" and "zallocstat -c -d 1 -s
#                     allocs" in tmux, each screen captured twice, a
#                     refresh and the example's removal apart
#   tools.ktap        the checks of zallocstat's exit status and message in
#                     each zs-*.txt, a KTAP document (tools/testing/guest-ktap.sh)
# Each zs-*.txt ends with "exit STATUS".

bb=${bb:-/bin/busybox}
t=/sys/kernel/tracing

# zs NAME [ARG...] - run "zallocstat -o ARG..." into $out/zs-NAME.txt, with
# its exit status
zs()
{
	zs_name=$1
	shift
	"$ZT_STAT" -o "$@" >"$out/zs-$zs_name.txt" 2>&1
	echo "exit $?" >>"$out/zs-$zs_name.txt"
}

# tm ARG... - tmux on the guest's own server (socket in a ramfs: hostfs
# cannot hold one)
tm()
{
	"$ZT_TMUX" -S "$out/tmux/sock" "$@"
}

# screen_rows FILE - the table rows of a captured zallocstat screen: those
# after the first header line (CLASS or CALL_SITE) up to the next line that
# is not a row (TOTAL, MODULE, a note)
screen_rows()
{
	$bb awk '/^(CLASS|CALL_SITE) / { on = 1; next }
		on && /^(TOTAL|MODULE|\()/ { exit }
		on && NF { print }' "$1"
}

# sorted_by FILE FIELD - the rows of FILE are in decreasing order of column
# FIELD, and there are at least two
sorted_by()
{
	screen_rows "$1" | $bb awk -v f="$2" '
		NR > 1 && $f + 0 > prev + 0 { bad = 1 }
		{ prev = $f; n++ }
		END { exit bad || n < 2 }'
}

# screen_check NAME CMD... - record the check NAME of CMD's success, with the
# captured screens as its diagnostics if it fails
screen_check()
{
	sc_name=$1
	shift
	if "$@"; then
		ktap_record ok "$sc_name"
	else
		ktap_diag "$($bb cat "$out"/screen-*.txt 2>&1)"
		ktap_record "not ok" "$sc_name"
	fi
}

# total_line FILE - the TOTAL line of a captured screen
total_line()
{
	$bb grep '^TOTAL' "$1"
}

# differs A B - the TOTAL lines of the captures A and B differ
differs()
{
	[ -n "$(total_line "$1")" ] && [ -n "$(total_line "$2")" ] &&
		[ "$(total_line "$1")" != "$(total_line "$2")" ]
}

# screens - zallocstat -d and -s, and -c, on a tmux screen each: captured,
# then the example removed (its objects freed, its call sites' live figures
# gone to 0), then captured again after two refreshes
screens()
{
	$bb mkdir -p "$out/tmux"
	$bb mount -t ramfs ramfs "$out/tmux" ||
		log "TOOLS cannot mount a tmpfs for tmux"
	$bb mount -t devpts devpts /dev/pts ||
		log "TOOLS cannot mount devpts"
	export TERM=screen
	tm new-session -d -s pools -x 160 -y 70 "$ZT_STAT -d 1 -s live" ||
		log "TOOLS tmux cannot start"
	tm new-session -d -s callers -x 160 -y 70 "$ZT_STAT -c -d 1 -s allocs"
	$bb sleep 2
	tm capture-pane -p -J -t pools >"$out/screen-pools-1.txt"
	tm capture-pane -p -J -t callers >"$out/screen-callers-1.txt"
	$bb rmmod zalloc_example || log "RMMOD FAILED zalloc_example"
	$bb sleep 3
	tm capture-pane -p -J -t pools >"$out/screen-pools-2.txt"
	tm capture-pane -p -J -t callers >"$out/screen-callers-2.txt"
	tm kill-server
	$bb umount "$out/tmux"
	screen_check "zallocstat -d: the screen shows changed figures after a refresh" \
		differs "$out/screen-pools-1.txt" "$out/screen-pools-2.txt"
	screen_check "zallocstat -s live: classes sorted by live objects" \
		sorted_by "$out/screen-pools-1.txt" 4
	screen_check "zallocstat -c -d: the call sites' figures change after a refresh" \
		differs "$out/screen-callers-1.txt" "$out/screen-callers-2.txt"
	screen_check "zallocstat -c -s allocs: call sites sorted by allocations" \
		sorted_by "$out/screen-callers-1.txt" 5
	screen_check "zallocstat -c: the example's call sites, in its module" \
		$bb grep -qE '^example_[a-z_.0-9]+\+0x[0-9a-f]+/0x[0-9a-f]+ +zalloc_example ' \
		"$out/screen-callers-1.txt"
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
zs nocallers -c
echo 1 >/sys/module/zalloc/parameters/profile ||
	log "TOOLS cannot switch profiling on"
[ -d $t/events ] || $bb mount -t tracefs tracefs $t
echo >$t/trace
echo 1 >$t/events/zalloc/enable || log "TOOLS cannot enable the zalloc events"
$bb insmod "$ZT_EXAMPLE" rounds="$ZT_ROUNDS" || log "INSMOD FAILED zalloc_example"
echo 0 >$t/events/zalloc/enable
# Read while the example is loaded, so that call_site resolves to its symbols.
$bb cat $t/trace >"$out/trace"
zs once
$bb cat /sys/kernel/debug/zalloc/stats >"$out/zs-stats"
$bb cat /sys/kernel/debug/zalloc/callers >"$out/callers"
zs callers -c
$bb su -s /bin/sh nobody -c "$ZT_STAT -o" >"$out/zs-notroot.txt" 2>&1
echo "exit $?" >>"$out/zs-notroot.txt"
if $bb umount /sys/kernel/debug; then
	zs nodebugfs
	$bb mount -t debugfs debugfs /sys/kernel/debug
fi
screens
$bb rmmod zalloc || log "RMMOD FAILED zalloc"
zs_expect notloaded 1 "zalloc is not loaded"
zs_expect notroot 1 "run zallocstat as root"
zs_expect nodebugfs 1 "debugfs is not mounted"
zs_expect once 0 "TOTAL"
zs_expect nocallers 1 "profiling is off"
zs_expect callers 0 "zalloc_example"
ktap_write "$out/tools.ktap"
