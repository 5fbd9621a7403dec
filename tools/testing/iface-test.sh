# shellcheck shell=sh disable=SC2154 # out is the init script's
# tools/testing/iface-test.sh - zalloc's user-space interfaces, tried from inside a
# guest. Sourced (busybox sh) by the init script of tools/testing/uml-run.sh after
# zalloc.ko and samples/zalloc_example.ko are loaded, and after
# tools/testing/guest-ktap.sh; uses its "$bb" and "$out". Writes its checks'
# results as a KTAP document to $out/iface.ktap, which tools/testing/check.sh
# counts.

p=/sys/module/zalloc/parameters
d=/sys/kernel/debug/zalloc
bb=${bb:-/bin/busybox}

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

ktap_check "strategy reads auto" takes $p/strategy auto auto
ktap_check "strategy refuses an unknown name" refuses $p/strategy fastest
ktap_check "strategy takes standard" takes $p/strategy standard standard
takes $p/strategy auto
ktap_check "fastpath refuses a non-boolean" refuses $p/fastpath maybe
ktap_check "stats takes N" takes $p/stats N N
ktap_check "stats takes Y" takes $p/stats Y Y
ktap_check "reset refuses 2" refuses $d/reset 2
ktap_check "reset refuses text" refuses $d/reset abc
live=$(stat live_objects)
ktap_check "example keeps objects live" positive live_objects
ktap_check "reset takes 1" takes $d/reset 1
ktap_check "reset zeroes allocs" is allocs 0
ktap_check "reset zeroes frees" is frees 0
ktap_check "reset keeps live_objects" is live_objects "$live"
ktap_check "caches hold objects" positive cached_objects
echo 2 >/proc/sys/vm/drop_caches
ktap_check "shrinker empties the caches" is cached_objects 0
ktap_check "pools has a row per class and a header" \
	[ "$($bb wc -l <"$d/pools")" -eq 48 ]
ktap_write "$out/iface.ktap"
