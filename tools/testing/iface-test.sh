# shellcheck shell=sh
# tools/testing/iface-test.sh - zalloc's user-space interfaces, tried from inside a
# guest. Sourced (busybox sh) by the init script of tools/testing/uml-run.sh after
# zalloc.ko and samples/zalloc_example.ko are loaded; uses its "log" and
# "$bb". Logs one line "IFACE PASS name" or "IFACE FAIL name" per check,
# which tools/testing/check.sh counts.

p=/sys/module/zalloc/parameters
d=/sys/kernel/debug/zalloc
bb=${bb:-/bin/busybox}

# iface NAME CMD... - run CMD, log whether it succeeded
iface()
{
	name=$1
	shift
	if "$@" 2>/dev/null; then
		log "IFACE PASS $name"
	else
		log "IFACE FAIL $name"
	fi
}

# stat NAME - the value of NAME in the stats file
stat()
{
	# shellcheck disable=SC2016 # awk's own $1 and $2
	$bb awk -v k="$1" '$1 == k { print $2 }' "$d/stats"
}

# refuses FILE VALUE - writing VALUE to FILE fails
refuses()
{
	! echo "$2" >"$1"
}

# takes FILE VALUE [READBACK] - writing VALUE works, and FILE reads READBACK
takes()
{
	echo "$2" >"$1" && { [ $# -lt 3 ] || [ "$($bb cat "$1")" = "$3" ]; }
}

# is NAME VALUE / positive NAME - checks on the stats file
is()
{
	[ "$(stat "$1")" = "$2" ]
}

positive()
{
	[ "$(stat "$1")" -gt 0 ]
}

iface "strategy reads auto" takes $p/strategy auto auto
iface "strategy refuses an unknown name" refuses $p/strategy fastest
iface "strategy takes standard" takes $p/strategy standard standard
takes $p/strategy auto
iface "fastpath refuses a non-boolean" refuses $p/fastpath maybe
iface "stats takes N" takes $p/stats N N
iface "stats takes Y" takes $p/stats Y Y
iface "reset refuses 2" refuses $d/reset 2
iface "reset refuses text" refuses $d/reset abc
live=$(stat live_objects)
iface "example keeps objects live" positive live_objects
iface "reset takes 1" takes $d/reset 1
iface "reset zeroes allocs" is allocs 0
iface "reset zeroes frees" is frees 0
iface "reset keeps live_objects" is live_objects "$live"
iface "caches hold objects" positive cached_objects
echo 2 >/proc/sys/vm/drop_caches
iface "shrinker empties the caches" is cached_objects 0
iface "pools has a row per class and a header" \
	[ "$($bb wc -l <"$d/pools")" -eq 48 ]
