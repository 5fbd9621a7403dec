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

# pools_ok PROPERTY - the rows of the pools file have PROPERTY; an oracle of
# the class table's contract that does not restate the table:
#   named     a "#" header first, then rows "object-SIZE SIZE", "extended-SIZE
#             SIZE" or "standard"
#   object    the object-pool classes come first, in ascending size, the
#             largest 256 B (every size up to it has one)
#   extended  the extended classes follow, in ascending size, from above 256 B
#             to 64 KiB, each at most 25% above one byte more than the class
#             before it (the waste bound of a request just above that class)
#   standard  exactly one row "standard", the last
pools_ok()
{
	# shellcheck disable=SC2016 # awk's own $1 and $2
	$bb awk -v want="$1" '
	NR == 1 { named_bad = $1 != "#"; next }
	$1 == "standard" { nstd++; std_at = NR; next }
	{
		split($1, w, "-")
		kind = w[1]
		size = $2 + 0
		if ((kind != "object" && kind != "extended") || w[2] != $2)
			named_bad = 1
	}
	kind == "object" {
		if (ext_seen || size <= last_obj)
			obj_bad = 1
		last_obj = size
	}
	kind == "extended" {
		prev = ext_seen ? last_ext : last_obj
		if (size <= 256 || size <= prev || 4 * size > 5 * (prev + 1))
			ext_bad = 1
		ext_seen = 1
		last_ext = size
	}
	END {
		if (want == "named")
			exit named_bad || NR < 2
		if (want == "object")
			exit obj_bad || last_obj != 256
		if (want == "extended")
			exit ext_bad || last_ext != 65536
		exit nstd != 1 || std_at != NR
	}' "$d/pools"
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

# reads FILE VALUE - FILE reads VALUE
reads()
{
	[ "$($bb cat "$1")" = "$2" ]
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

# First, while the example's frees are fresh: the magazines give back what
# a class left alone for a trim interval (about a second), which the checks
# below could outlast on a loaded host.
ktap_check "caches hold objects" positive cached_objects
echo 2 >/proc/sys/vm/drop_caches
ktap_check "shrinker empties the caches" is cached_objects 0
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
ktap_check "pools: a header, then a row per class named after its size" \
	pools_ok named
ktap_check "pools: object classes ascend up to 256 B" pools_ok object
ktap_check "pools: extended classes ascend from 257 B to 64 KiB, each at most 25% above the class before + 1 B" \
	pools_ok extended
ktap_check "pools: one standard row, the last" pools_ok standard

# callers_sum - the module totals of the callers file, summed, equal its
# "total" line, the stats file's live_objects and live_bytes, and the call
# site rows summed
callers_sum()
{
	# shellcheck disable=SC2016 # awk's own fields
	$bb awk -v objs="$(stat live_objects)" -v bytes="$(stat live_bytes)" '
	/^#/ { next }
	$1 == "module" { mo += $3; mb += $4; next }
	$1 == "total" { to = $3; tb = $4; nt++; next }
	NF >= 5 { so += $3; sb += $4 }
	END {
		exit nt != 1 || mo != to || mb != tb || to != objs ||
			tb != bytes || so != to || sb != tb
	}' "$d/callers"
}

# callers_says TEXT - the callers file has a line with TEXT
callers_says()
{
	$bb grep -qF "$1" "$d/callers"
}

ktap_check "profile is off by default" reads $p/profile N
ktap_check "profile refuses a non-boolean" refuses $p/profile maybe
ktap_check "callers says profiling is off" callers_says "# profile off"
ktap_check "profile takes Y" takes $p/profile Y Y
ktap_check "callers has its header" callers_says "# call_site"
ktap_check "callers: objects from before the switch" \
	callers_says "(before-profiling)"
ktap_check "callers: the modules add up to the stats file" callers_sum
ktap_check "profile takes N" takes $p/profile N N
ktap_write "$out/iface.ktap"
