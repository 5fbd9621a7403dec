# shellcheck shell=sh disable=SC2154 # out, log and bb are the init script's
# tools/testing/memcg-test.sh - GFP_KERNEL_ACCOUNT allocations through zalloc
# and through kmalloc, charged to the memory cgroup of the process that asks
# for them, from inside a UML guest (with the memory controller) that has
# loaded no module yet. Sourced (busybox sh) by the init script of
# tools/testing/uml-run.sh after guest-ktap.sh; uses its "log", "$bb" and
# "$out", and MT_ZALLOC and MT_MODULE (the files of zalloc.ko and of
# tools/testing/memcg/zalloc_memcg.ko, whose debugfs file allocates in the
# writer's context: see there).
#
# The shell moves itself into a cgroup v2 group of its own, then, for each
# size of MT_SIZES (an object-pool class, two extended-pool classes and one
# that the standard backend serves), through zalloc and then through kmalloc
# with the same flags:
#   - it allocates MT_BYTES of objects with GFP_KERNEL_ACCOUNT: its group's
#     memory.current grows by at least the bytes allocated (less MT_STOCK,
#     see below), and falls back to within MT_SLACK of where it was once
#     they are freed;
#   - a child process in a second group, whose memory.max is MT_LIMIT above
#     its memory.current, makes the same request with __GFP_NORETRY |
#     __GFP_NOWARN (zalloc_memcg stops after 64 failures, each of which
#     costs a reclaim): some allocations fail, the objects held are no more
#     than the limit allows, and memory.current stays within memory.max.
#     Not the shell itself: in a group at its limit, its next charge (the
#     struct file of the next file it opens, for one) would invoke the OOM
#     killer.
# Then nothing leaks: zalloc_memcg.ko holds nothing after "free", is removed,
# and zalloc's stats show no live object; zalloc is removed, and so are the
# groups. Leaves in $out:
#   memcg.ktap   the checks, a KTAP document (tools/testing/guest-ktap.sh),
#                each failure with its figures
#   memcg.txt    the figures of every step, one line each
#
# memory.current counts the pages charged to a group, and the memory
# controller charges ahead: each CPU keeps up to MEMCG_CHARGE_BATCH (64)
# pages charged to a recent group in its stock (mm/memcontrol.c,
# refill_stock()), and up to a page of bytes for the objects of one group
# (obj_stock): the next charges use those first, and an uncharge refills
# them. So memory.current may move by up to that many pages a CPU less
# (growth) or more (after the free) than the objects alone: MT_STOCK. The
# memory that the shell itself uses meanwhile is a few pages. Only builtins
# run between two readings of memory.current (a child process would be
# charged to the group too).

bb=${bb:-/bin/busybox}
cg=/sys/fs/cgroup
grp=$cg/zalloc-memcg
lim=$cg/zalloc-memcg-max
ctl=/sys/kernel/debug/zalloc_memcg/objects
stats=/sys/kernel/debug/zalloc/stats

MT_SIZES="64 1024 16384 131072"
# Bytes of objects each request asks for, and the limit of the NORETRY pass:
# half of them fit.
MT_BYTES=$((8 << 20))
MT_LIMIT=$((4 << 20))
# The charge stocks of all CPUs (64 + 1 pages of 4 KiB each), and the slack
# of the fall-back: those and 128 KiB for the shell's own memory.
MT_STOCK=$((65 * 4096 * $($bb nproc)))
MT_SLACK=$((MT_STOCK + (128 << 10)))

# figures TEXT - append TEXT to memcg.txt
figures()
{
	echo "$*" >>"$out/memcg.txt"
}

# current [GROUP] - set $cur to the memory.current of GROUP (default $grp);
# set mt_bad when it cannot be read
current()
{
	cur=
	read -r cur <"${1:-$grp}/memory.current"
	[ -n "$cur" ] || mt_bad=1
}

# held - set $held and $failed from zalloc_memcg's file; set mt_bad when it
# cannot be read
held()
{
	held=
	failed=
	# shellcheck disable=SC2034 # field names
	read -r _a _an _s _sz _h held _f failed <"$ctl"
	[ -n "$failed" ] || mt_bad=1
}

# verdict NAME OK DIAG - record NAME as passed when OK is 0 and every
# figure could be read (no mt_bad), else as failed with the diagnostic DIAG
verdict()
{
	if [ "$2" = 0 ] && [ -z "$mt_bad" ]; then
		ktap_record ok "$1"
	else
		ktap_diag "$3"
		ktap_record "not ok" "$1"
	fi
}

# charged ALLOC SIZE - the growth and fall-back checks for ALLOC (zalloc,
# kmalloc) and objects of SIZE bytes
charged()
{
	mt_n=$((MT_BYTES / $2))
	mt_bad=
	current
	mt_before=$cur
	echo "$1 $mt_n $2" >"$ctl" || log "MEMCG $1 $mt_n $2 refused"
	current
	mt_with=$cur
	held
	echo free >"$ctl"
	current
	mt_after=$cur
	mt_grew=$((mt_with - mt_before))
	mt_left=$((mt_after - mt_before))
	mt_diag="$1 $2 B x $mt_n: memory.current $mt_before, $mt_with holding ($mt_grew), $mt_after after free ($mt_left); held $held, failed $failed"
	figures "$mt_diag"
	mt_ok=1
	if [ "$held" = "$mt_n" ] && [ "$mt_grew" -ge $((MT_BYTES - MT_STOCK)) ]; then
		mt_ok=0
	fi
	verdict "$1 $2 B x $mt_n, GFP_KERNEL_ACCOUNT: all allocated, memory.current grows by at least the $MT_BYTES B less the $MT_STOCK B of charge stocks" \
		"$mt_ok" "$mt_diag"
	mt_ok=1
	[ "$mt_left" -le "$MT_SLACK" ] && mt_ok=0
	verdict "$1 $2 B x $mt_n: memory.current falls back to within $MT_SLACK B after the free" \
		"$mt_ok" "$mt_diag"
}

# limited ALLOC SIZE - the checks for ALLOC and SIZE under memory.max, in
# the group $lim, which a child process joins to make the request
limited()
{
	mt_n=$((MT_BYTES / $2))
	mt_bad=
	current "$lim"
	mt_before=$cur
	echo $((mt_before + MT_LIMIT)) >"$lim/memory.max"
	mt_max=
	read -r mt_max <"$lim/memory.max"
	[ -n "$mt_max" ] || mt_bad=1
	# "0" moves the writer: the child.
	# shellcheck disable=SC2016 # the child's $1...$3
	$bb sh -c 'echo 0 >"$1/cgroup.procs" && echo "$2" >"$3"' sh \
		"$lim" "$1 $mt_n $2 noretry" "$ctl" ||
		log "MEMCG $1 $mt_n $2 noretry in $lim failed"
	current "$lim"
	mt_with=$cur
	held
	echo free >"$ctl"
	echo max >"$lim/memory.max"
	mt_bytes=$((held * $2))
	mt_diag="$1 $2 B x $mt_n noretry, memory.max $mt_max: memory.current $mt_before, $mt_with holding; held $held ($mt_bytes B), failed $failed"
	figures "$mt_diag"
	mt_ok=1
	[ "$failed" -gt 0 ] && mt_ok=0
	verdict "$1 $2 B x $mt_n, GFP_KERNEL_ACCOUNT | __GFP_NORETRY, memory.max $MT_LIMIT B above memory.current: some fail" \
		"$mt_ok" "$mt_diag"
	mt_ok=1
	if [ "$mt_bytes" -le $((mt_max - mt_before + MT_STOCK)) ] &&
		[ "$mt_with" -le "$mt_max" ]; then
		mt_ok=0
	fi
	verdict "$1 $2 B x $mt_n, same limit: holds at most the limit (+ $MT_STOCK B of charge stocks), memory.current within memory.max" \
		"$mt_ok" "$mt_diag"
}

# in_group - this shell is in the group $grp
in_group()
{
	$bb grep -qx '0::/zalloc-memcg' /proc/self/cgroup
}

# groups_ready - this shell is in $grp, and the groups have memory.current
# and memory.max
groups_ready()
{
	in_group && [ -e $grp/memory.current ] && [ -e $lim/memory.max ]
}

# stat NAME - the value of NAME in zalloc's stats file
stat()
{
	# shellcheck disable=SC2016 # awk's own $1 and $2
	$bb awk -v k="$1" '$1 == k { print $2 }' "$stats"
}

: >"$out/memcg.txt"
$bb insmod "$MT_ZALLOC" || log "INSMOD FAILED zalloc"
$bb insmod "$MT_MODULE" || log "INSMOD FAILED zalloc_memcg"
[ -e $cg/cgroup.controllers ] || $bb mount -t cgroup2 cgroup2 $cg
ktap_check "cgroup v2 has the memory controller" \
	"$bb" grep -qw memory $cg/cgroup.controllers
echo +memory >$cg/cgroup.subtree_control
$bb mkdir -p $grp $lim
# "0" moves the writer, this shell (the init script runs it in a subshell).
echo 0 >$grp/cgroup.procs
ktap_check "the test's shell is in a group of its own, and the groups have memory.current and memory.max" \
	groups_ready
figures "stock $MT_STOCK slack $MT_SLACK bytes $MT_BYTES limit $MT_LIMIT"
if groups_ready && [ -e $ctl ]; then
	for mt_size in $MT_SIZES; do
		charged zalloc "$mt_size"
		charged kmalloc "$mt_size"
	done
	for mt_size in $MT_SIZES; do
		limited zalloc "$mt_size"
		limited kmalloc "$mt_size"
	done
fi
held
ktap_check "zalloc_memcg holds nothing after the last free" [ "$held" = 0 ]
ktap_check "zalloc_memcg is removed" "$bb" rmmod zalloc_memcg
mt_live=$(stat live_objects)
figures "zalloc live_objects $mt_live live_bytes $(stat live_bytes) after zalloc_memcg's removal"
ktap_check "zalloc has no live object once zalloc_memcg is removed" \
	[ "$mt_live" = 0 ]
ktap_check "zalloc is removed" "$bb" rmmod zalloc
echo 0 >$cg/cgroup.procs
ktap_check "the groups are removed once empty" "$bb" rmdir $grp $lim
ktap_write "$out/memcg.ktap"
