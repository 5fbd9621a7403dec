#!/bin/bash
# tools/testing/check.sh - "make check": build zalloc with W=1, run checkpatch, and load
# it with its KUnit and sample modules in UML and in QEMU, for each kernel target.
#
# usage: tools/testing/check.sh
# Targets are "KIND:VERSION" words in $ZALLOC_TARGETS (default "uml:6.1
# uml:6.12 uml:newest uml-smp:newest uml-sanitizer:newest qemu:newest
# stock:amd64 dkms:amd64"); KIND names a function target_KIND:
#   uml:VERSION    UML test kernel of tools/testing/kernel.sh (6.1, 6.12 for
#                  Debian 13, newest): checkpatch against its tree, W=1 build,
#                  KUnit, log and debugfs checks, the user-space interfaces,
#                  zallocstat and the tracepoints (tools/testing/tools-test.sh)
#   uml-smp:VERSION  the UML test kernel with SMP and preemption (7.x on),
#                  booted with two CPUs: W=1 build, KUnit with the stress
#                  suite (no case may skip but CPU hotplug), log and debugfs
#   uml-sanitizer:VERSION  the UML test kernel with KASAN, kmemleak, failslab
#                  and fail_page_alloc (7.x on): W=1 build, and the cases of
#                  kunit/zalloc_sanitizer_kunit.c in three boots: fault
#                  injection (NULL returned, nothing leaked), a planted leak
#                  that kmemleak must report, a use after free that KASAN must
#                  report (tools/testing/sanitizer-test.sh)
#   qemu:VERSION   x86_64 test kernel (tools/testing/kernel.sh x86_64) in QEMU -smp 2:
#                  W=1 build, the sample built alone as README.md documents,
#                  KUnit (with the SMP stress suite), log and debugfs checks
#   stock:FLAVOUR  Debian's stock kernel (linux-image-FLAVOUR, or a release such
#                  as 6.1.0-56-amd64) in QEMU -smp 2: W=1 build against its
#                  headers, the sample built as documented, zalloc's stats
#                  while the sample is loaded and after it is removed, and a
#                  log with nothing but the expected taint lines
#   dkms:FLAVOUR   the same kernel with zalloc.ko as Debian's dkms builds,
#                  signs and installs it (in trees of the run, not the
#                  system's), the example built against it; and "make install"
# $ZALLOC_UML_TIMEOUT (default 600) and $ZALLOC_QEMU_TIMEOUT (default 900)
# bound each boot, in seconds. Each check prints PASS, FAIL or SKIP and its
# name; every KUnit case is one check. Each target's counts are logged on
# stderr. The last line is "N passed, N failed" (", N skipped" when some
# were), and the exit status is 1 when any failed. Logs go to a run dir
# under ${ZALLOC_CACHE:-/var/cache/zalloc}/runs/. QEMU emulates: its run
# times are no performance figures.
#
# The module tree is this checkout (tracked and untracked non-ignored files),
# copied for each kernel into the run dir (RUN/uml-KVER/tree, ...) and built
# there with one "make M=... modules"; it must give zalloc.ko and, where the
# kernel has KUnit, kunit/zalloc_safety_kunit.ko and at least one more
# kunit/*_kunit.ko (one per suite; all are loaded, sorted, after zalloc.ko;
# kunit/zalloc_sanitizer_kunit.ko only by uml-sanitizer), and may give
# samples/zalloc_example.ko.
set -euo pipefail

# shellcheck source=tools/testing/common.sh
. "$(dirname "$0")/common.sh"

TARGETS=${ZALLOC_TARGETS:-uml:6.1 uml:6.12 uml:newest uml-smp:newest uml-sanitizer:newest qemu:newest stock:amd64 dkms:amd64}
UML_TIMEOUT=${ZALLOC_UML_TIMEOUT:-600}
QEMU_TIMEOUT=${ZALLOC_QEMU_TIMEOUT:-900}
KEEP_RUNS=10
RUN_DIR=$ZALLOC_CACHE/runs/$(date +%Y%m%d-%H%M%S)-$$
NPASS=0
NFAIL=0
NSKIP=0

# Messages of a broken kernel or of a failed load/unload: any one fails "log clean".
BAD_PATTERNS=(
	'BUG:' 'WARNING:' 'Oops' 'Kernel panic' 'cut here' 'still has objects'
	'INSMOD FAILED' 'RMMOD FAILED' 'possible circular locking'
	'inconsistent lock state' 'sleeping function called from invalid context'
	'Call Trace' 'lockdep'
)

# Kernel log lines expected after the first insmod on Debian's stock kernel;
# any other line fails its "log expected lines" check (extended regexps).
STOCK_EXPECTED=(
	'qemu-run: (loading modules|init done)$'
	'zalloc: loading out-of-tree module taints kernel\.$'
	'zalloc: module verification failed: signature and/or required key missing - tainting kernel$'
	'zalloc_example: [0-9]+ allocations of [0-9]+ sizes: 0 failed, 0 corrupted, [0-9]+ kept until unload$'
)

# The guest shell code of the stock target: stats while the sample is loaded,
# then without it (tools/testing/qemu-run.sh's "save" sends a file to the host).
# shellcheck disable=SC2016 # $bb is the guest's
STOCK_SNIPPET='save stats-loaded /sys/kernel/debug/zalloc/stats
$bb rmmod zalloc_example || log "RMMOD FAILED zalloc_example"
save stats-unloaded /sys/kernel/debug/zalloc/stats'

# result STATUS NAME - print and count the outcome of one check
result()
{
	echo "$1 $2"
	case $1 in
	PASS) NPASS=$((NPASS + 1)) ;;
	FAIL) NFAIL=$((NFAIL + 1)) ;;
	SKIP) NSKIP=$((NSKIP + 1)) ;;
	esac
}

# show - print stdin indented, at most 60 lines
show()
{
	awk 'NR <= 60 { print "    " $0 } NR == 61 { print "    [...]" }'
}

# checkpatch_problems - print the ERROR/WARNING/CHECK reports of checkpatch
# output on stdin, each with its context lines, and the total line
checkpatch_problems()
{
	awk '/^(ERROR|WARNING|CHECK):/ { on = 1 } /^total:/ { print; exit }
		on { print } /^$/ { on = 0 }'
}

# project_files PATTERN... - print the project's files matching a glob PATTERN
project_files()
{
	local f p

	while IFS= read -r -d '' f; do
		for p in "$@"; do
			# shellcheck disable=SC2053 # $p is a glob
			if [[ $f == $p ]]; then
				echo "$f"
				break
			fi
		done
	done < <(tree_files "$TOP_DIR")
}

# check_checkpatch SRC KVER LOGDIR - one checkpatch check per .c/.h file
check_checkpatch()
{
	local src=$1 kver=$2 dir=$3/checkpatch f log

	mkdir -p "$dir"
	while IFS= read -r f; do
		log=$dir/${f//\//_}.log
		(cd "$TOP_DIR" && "$src/scripts/checkpatch.pl" --strict --no-tree \
			--no-color -f "$f") >"$log" 2>&1 || true
		if grep -qE '^(ERROR|WARNING|CHECK):' "$log"; then
			result FAIL "checkpatch $kver $f"
			checkpatch_problems <"$log" | show
		else
			result PASS "checkpatch $kver $f"
		fi
	done < <(project_files '*.c' '*.h')
}

# check_build OUT TREE KVER LOG [MAKEARG...] - build the module tree TREE
# against the kernel build dir OUT with W=1 (and MAKEARGs, e.g. ARCH=um)
check_build()
{
	local out=$1 tree=$2 kver=$3 log=$4 rc=0

	shift 4
	log "$kver: building modules in $tree"
	make -C "$out" "$@" M="$tree" W=1 -j"$(nproc)" modules >"$log" 2>&1 || rc=$?
	sed -i "s|$tree/||g" "$log"
	if [[ $rc -ne 0 ]]; then
		result FAIL "build W=1 $kver"
		{ grep -E -A3 'error|warning:' "$log" || tail -n 20 "$log"; } | show
	elif grep -q 'warning:' "$log"; then
		result FAIL "build W=1 $kver"
		grep -A3 'warning:' "$log" | show
	else
		result PASS "build W=1 $kver"
	fi
}

# ktap_results LOG - print "STATUS<TAB>NAME" for every leaf KUnit test in LOG
# whose suite name begins with zalloc, and "FAIL<TAB>NAME (no result)" for
# every zalloc suite or test that began but never reported. A FAIL line is
# followed by "#<TAB>LINE" lines: what the log said since the previous result.
ktap_results()
{
	awk '
	function path(d, name,    i, p) {
		p = ""
		for (i = 1; i <= d; i++)
			p = p hdr[i] "."
		return p name
	}
	{
		line = $0
		sub(/\r$/, "", line)
		sub(/^\[[^]]*\] ?/, "", line)
		match(line, /^ */)
		d = int(RLENGTH / 4)
		t = substr(line, RLENGTH + 1)
		if (t ~ /^# Subtest: /) {
			hdr[d] = substr(t, 12)
			open[d] = 1
			kids[d] = 0
			nbuf = 0
			next
		}
		if (t !~ /^(not )?ok [0-9]+/) {
			if (t !~ /^(KTAP version|1\.\.[0-9]|# .*: pass:[0-9])/ && nbuf < 20)
				buf[++nbuf] = line
			next
		}
		ok = (t ~ /^ok/)
		skip = (t ~ /# [Ss][Kk][Ii][Pp]/)
		name = t
		sub(/^(not )?ok [0-9]+ (- )?/, "", name)
		sub(/ *#.*$/, "", name)
		leaf = !kids[d + 1]
		kids[d + 1] = 0
		open[d + 1] = 0
		kids[d] = 1
		top = d >= 1 ? hdr[1] : name
		n = nbuf
		nbuf = 0
		if (top !~ /^zalloc/ || !leaf)
			next
		print (skip ? "SKIP" : ok ? "PASS" : "FAIL") "\t" path(d, name)
		for (i = 1; !ok && i <= n; i++)
			print "#\t" buf[i]
	}
	END {
		for (d = 1; d in open; d++)
			if (open[d] && hdr[1] ~ /^zalloc/)
				print "FAIL\t" path(d - 1, hdr[d]) " (no result)"
	}' "$1"
}

# check_kunit KVER DIR [SKIPPABLE] - one check per KUnit case in the kernel
# log of DIR; with SKIPPABLE (an extended regexp), a case whose name does
# not match it fails when it skips
check_kunit()
{
	local kver=$1 dir=$2 skippable=${3:-} log=$2/dmesg.log st name n=0

	[[ -s $log ]] || log=$dir/console.log
	while IFS=$'\t' read -r st name; do
		if [[ $st == "#" ]]; then
			show <<<"${name//$RUN_DIR\/*\/tree\//}"
			continue
		fi
		if [[ $st == SKIP && -n $skippable ]] &&
			! grep -qE "$skippable" <<<"$name"; then
			result FAIL "kunit $kver $name (skipped, must run here)"
			after_marker "$log" | grep -F " ${name##*.} " | grep -i skip | show
		else
			result "$st" "kunit $kver $name"
		fi
		n=$((n + 1))
	done < <(ktap_results "$log")
	if [[ $n -eq 0 ]]; then
		result FAIL "kunit $kver (no zalloc KTAP in ${log##*/})"
	fi
}

# after_marker FILE - print FILE from uml-run.sh's or qemu-run.sh's "loading
# modules" line on (all of it when the line is missing): what the kernel logs
# while booting, before any of our modules is loaded, is not ours to judge.
after_marker()
{
	local re='(uml|qemu)-run: loading modules'

	[[ -f $1 ]] || return 0
	if grep -qE "$re" "$1"; then
		sed -En "/$re/,\$p" "$1"
	else
		cat "$1"
	fi
}

# bad_lines DIR [FILTER] - print the lines of the kernel log (or console) of
# DIR that match BAD_PATTERNS, each with the lines that follow it; FILTER
# (a command, stdin to stdout) first takes out what a check expects
bad_lines()
{
	local dir=$1 filter=${2:-cat} log=$1/dmesg.log

	[[ -s $log ]] || log=$dir/console.log
	# init.sh copies its own messages (INSMOD FAILED...) to the kernel log.
	after_marker "$log" | "$filter" | grep -F -A6 "${BAD_PATTERNS[@]/#/-e}" || true
}

# check_log KVER DIR [FILTER] - fail on any sign of a kernel bug, failed load
# or timeout (in the log as FILTER leaves it, see bad_lines)
check_log()
{
	local kver=$1 dir=$2 filter=${3:-cat} rc bad

	rc=$(cat "$dir/exit-status" 2>/dev/null || echo missing)
	bad=$(bad_lines "$dir" "$filter")
	if [[ $rc == 124 || $rc == 137 ]]; then
		result FAIL "log clean $kver"
		echo "the guest timed out (exit status $rc)" | show
	elif [[ $rc != 0 || ! -e $dir/done ]]; then
		result FAIL "log clean $kver"
		echo "guest exit status $rc, init finished: $([[ -e $dir/done ]] && echo yes || echo no)" | show
		tail -n 30 "$dir/console.log" | show
	elif [[ -n $bad ]]; then
		result FAIL "log clean $kver"
		show <<<"$bad"
	else
		result PASS "log clean $kver"
	fi
}

# check_debugfs KVER DIR - the stats and pools files were captured non-empty
check_debugfs()
{
	local kver=$1 dir=$2 f missing=

	for f in stats pools; do
		[[ -s $dir/$f ]] || missing+=" $f"
	done
	if [[ -z $missing ]]; then
		result PASS "debugfs stats $kver"
	else
		result FAIL "debugfs stats $kver"
		echo "empty or missing:$missing" | show
	fi
}

# test_modules TREE - print the modules a test boot loads, in order: zalloc.ko,
# every KUnit module kunit/*_kunit.ko but the sanitizer's (sorted), then the
# sample when it was built; fail when zalloc.ko, kunit/zalloc_safety_kunit.ko
# or any other KUnit module is missing
test_modules()
{
	local tree=$1 m
	local -a kunit=()

	[[ -f $tree/zalloc.ko && -f $tree/kunit/zalloc_safety_kunit.ko ]] || return 1
	for m in "$tree"/kunit/*_kunit.ko; do
		[[ $m == */zalloc_sanitizer_kunit.ko ]] || kunit+=("$m")
	done
	((${#kunit[@]} >= 2)) || return 1
	echo "$tree/zalloc.ko"
	printf '%s\n' "${kunit[@]}"
	if [[ -f $tree/samples/zalloc_example.ko ]]; then
		echo "$tree/samples/zalloc_example.ko"
	fi
}

# check_boot RUNNER KERNEL TREE KVER DIR [BOOTARGS [SKIPPABLE]] - load the
# test modules of TREE with RUNNER (uml, qemu) on KERNEL (UML build dir,
# bzImage) and judge the run; BOOTARGS are more kernel arguments for UML,
# SKIPPABLE as for check_kunit
check_boot()
{
	local runner=$1 kernel=$2 tree=$3 kver=$4 dir=$5 args=${6:-} skippable=${7:-}
	local list
	local -a mods

	if ! list=$(test_modules "$tree"); then
		result FAIL "kunit $kver (zalloc.ko or a kunit/*.ko not built)"
		result SKIP "log clean $kver"
		result SKIP "debugfs stats $kver"
		return
	fi
	mapfile -t mods <<<"$list"
	log "$kver: booting $runner with ${mods[*]##*/}"
	case $runner in
	uml) "$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" -a "$args" "$kernel" "$dir" \
		"${mods[@]}" || true ;;
	qemu) "$TOOLS_DIR/qemu-run.sh" -t "$QEMU_TIMEOUT" -c 2 "$kernel" "$dir" "${mods[@]}" || true ;;
	esac
	check_kunit "$kver" "$dir" "$skippable"
	check_log "$kver" "$dir"
	check_refusals "$kver" "$dir"
	check_debugfs "$kver" "$dir"
}

# check_refusals KVER DIR - zalloc's refusals in the kernel log of DIR
# (ratelimited errors, not bugs: refused frees, zalloc_size() of a foreign
# pointer) come from zalloc_safety, which provokes them, and from nothing else
check_refusals()
{
	local kver=$1 dir=$2 log=$2/dmesg.log other

	[[ -s $log ]] || log=$dir/console.log
	other=$(after_marker "$log" |
		grep -E 'zalloc: .*(refused|not an object zalloc handed out)' |
		grep -vF '[zalloc_safety_kunit]' || true)
	if [[ -z $other ]]; then
		result PASS "refused frees from zalloc_safety only $kver"
	else
		result FAIL "refused frees from zalloc_safety only $kver"
		show <<<"$other"
	fi
}

# check_sample_build KDIR TREE KVER LOG [MAKEARG...] - build samples/ of TREE
# again, alone, as README.md tells users to build a module of their own:
# "make -C KDIR M=.../samples KBUILD_EXTRA_SYMBOLS=.../Module.symvers modules"
# after zalloc was built (check_build)
check_sample_build()
{
	local kdir=$1 tree=$2 kver=$3 log=$4 rc=0 ko=$2/samples/zalloc_example.ko

	shift 4
	make -C "$kdir" "$@" M="$tree/samples" clean >/dev/null 2>&1 || true
	make -C "$kdir" "$@" M="$tree/samples" \
		KBUILD_EXTRA_SYMBOLS="$tree/Module.symvers" modules >"$log" 2>&1 || rc=$?
	sed -i "s|$tree/||g" "$log"
	if [[ $rc -ne 0 || ! -f $ko ]] || grep -qi 'warning' "$log"; then
		result FAIL "sample build as README.md documents $kver"
		{ grep -i -A3 -e error -e warning "$log" || tail -n 20 "$log"; } | show
	else
		result PASS "sample build as README.md documents $kver"
	fi
}

# target_uml VERSION - every check on the UML test kernel of VERSION
# check_sparse OUT TREE KVER LOG [MAKEARGS...] - sparse (make C=2) on every
# source file: no report passes; a kernel whose Makefile finds Debian's
# sparse too old for it (7.x) gives a SKIP
check_sparse()
{
	local out=$1 tree=$2 kver=$3 log=$4

	shift 4
	make -C "$out" "$@" M="$tree" C=2 -j"$(nproc)" modules >"$log" 2>&1 || true
	sed -i "s|$tree/||g" "$log"
	if grep -q 'sparse is not available or not up to date' "$log"; then
		result SKIP "sparse $kver (sparse too old for this kernel)"
	elif grep -E -q 'warning:|error:' "$log"; then
		result FAIL "sparse $kver"
		grep -E -A2 'warning:|error:' "$log" | show
	else
		result PASS "sparse $kver"
	fi
}

# check_interfaces OUT TREE KVER DIR - the parameters, debugfs files and
# shrinker from user space (tools/testing/iface-test.sh), and an unload with objects
# a user leaked, each in its own UML boot
check_interfaces()
{
	local out=$1 tree=$2 kver=$3 dir=$4 line
	local -a mods=("$tree/zalloc.ko" "$tree/samples/zalloc_example.ko")

	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" -x ". $TOOLS_DIR/iface-test.sh" \
		"$out" "$dir/iface" "${mods[@]}" >/dev/null 2>&1 || true
	while read -r line; do
		case $line in
		"IFACE PASS "*) result PASS "interface $kver: ${line#IFACE PASS }" ;;
		"IFACE FAIL "*) result FAIL "interface $kver: ${line#IFACE FAIL }" ;;
		esac
	done < <(grep '^IFACE ' "$dir/iface/init.log" 2>/dev/null)
	grep -q '^IFACE ' "$dir/iface/init.log" 2>/dev/null ||
		result FAIL "interface $kver: no result"
	check_log "$kver interfaces" "$dir/iface"

	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" \
		-p 'zalloc_example=leak_on_unload=1' \
		"$out" "$dir/leak" "${mods[@]}" >/dev/null 2>&1 || true
	if [[ $(grep -c 'zalloc: unloading with 9 objects .* still allocated by users' \
		"$dir/leak/dmesg.log" 2>/dev/null) == 1 ]]; then
		result PASS "unload with leaked objects warns once $kver"
	else
		result FAIL "unload with leaked objects warns once $kver"
	fi
	check_log "$kver leaked unload" "$dir/leak"
}

# The sizes samples/zalloc_example.c allocates (its cases[]), each once a
# round, and the rounds the tools check loads it with.
EXAMPLE_SIZES=(24 200 1000 4096 20000 100000 64 3000 5000)
EXAMPLE_ROUNDS=4

# check_zallocstat_build TREE KVER LOG - build tools/zallocstat of TREE on
# the host (UML guests run the host's binaries): no warning
check_zallocstat_build()
{
	local tree=$1 kver=$2 log=$3

	if make -C "$tree/tools/zallocstat" clean all >"$log" 2>&1 &&
		! grep -q 'warning:' "$log"; then
		result PASS "zallocstat build $kver"
	else
		result FAIL "zallocstat build $kver"
		show <"$log"
	fi
}

# zs_expect DIR NAME STATUS TEXT KVER - zs-NAME.txt of DIR ends with "exit
# STATUS" and says TEXT
zs_expect()
{
	local f=$1/zs-$2.txt check="zallocstat $2: exit $3, says \"$4\" $5"

	if [[ $(tail -n1 "$f" 2>/dev/null) == "exit $3" ]] && grep -qF "$4" "$f"; then
		result PASS "$check"
	else
		result FAIL "$check"
		show <"$f" 2>/dev/null || echo "no $f" | show
	fi
}

# zs_totals DIR - print, from zallocstat's output in DIR and then from the
# stats file, "allocs failures live_objects live_bytes cached pages hit%"
zs_totals()
{
	awk '/^zalloc: [0-9]+ classes, / { a = $4; f = $6 }
		$1 == "TOTAL" { t = $2 " " $3 " " $4 " " $5 " " $6 }
		END { print a, f, t }' "$1/zs-once.txt"
	awk '{ v[$1] = $2 }
		END {
			h = v["allocs"] > 0 ? int(v["hits"] * 1000 / v["allocs"]) : -1
			printf "%s %s %s %s %s %s %s\n", v["allocs"], v["failures"],
				v["live_objects"], v["live_bytes"], v["cached_objects"],
				v["pages"], h < 0 ? "-" : int(h / 10) "." h % 10
		}' "$1/zs-stats"
}

# trace_problems DIR - print what is wrong with the zalloc events in DIR/trace:
# each size of the example allocated ROUNDS times from example_run() with
# bytes_alloc at least the size, its frees in example_run(), and at least one
# allocation served by a per-CPU cache (hit=1)
trace_problems()
{
	awk -v sizes="${EXAMPLE_SIZES[*]}" -v rounds="$EXAMPLE_ROUNDS" '
	function field(name,    i) {
		for (i = 1; i <= NF; i++)
			if (index($i, name "=") == 1)
				return substr($i, length(name) + 2)
		return ""
	}
	/ zalloc_alloc: / {
		nalloc++
		if (field("call_site") !~ /^example_run\+/ || $0 !~ /\[zalloc_example\]/)
			next
		req = field("bytes_req")
		if (field("bytes_alloc") + 0 >= req + 0)
			ok[req]++
		hits += field("hit") == 1
	}
	/ zalloc_free: / && field("call_site") ~ /^example_run\+/ { frees++ }
	END {
		n = split(sizes, s, " ")
		for (i = 1; i <= n; i++)
			if (ok[s[i]] != rounds)
				printf "%d B: %d allocations from example_run with bytes_alloc >= %d, want %d\n",
					s[i], ok[s[i]], s[i], rounds
		if (frees != (rounds - 1) * n)
			printf "%d frees from example_run, want %d\n", frees, (rounds - 1) * n
		if (!hits)
			print "no allocation with hit=1"
		if (!nalloc)
			print "no zalloc_alloc event at all"
	}' "$1/trace" 2>&1
}

# check_tools OUT TREE KVER DIR - zallocstat and the tracepoints in a UML
# boot of their own (tools/testing/tools-test.sh)
check_tools()
{
	local out=$1 tree=$2 kver=$3 dir=$4/tools snippet got want bad

	check_zallocstat_build "$tree" "$kver" "$4/zallocstat-build.log"
	snippet="ZT_ZALLOC=$(squote "$tree/zalloc.ko")
ZT_EXAMPLE=$(squote "$tree/samples/zalloc_example.ko")
ZT_STAT=$(squote "$tree/tools/zallocstat/zallocstat")
ZT_ROUNDS=$EXAMPLE_ROUNDS
. $(squote "$TOOLS_DIR/tools-test.sh")"
	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" -x "$snippet" "$out" "$dir" \
		>/dev/null 2>&1 || true
	zs_expect "$dir" notloaded 1 "zalloc is not loaded" "$kver"
	zs_expect "$dir" notroot 1 "run zallocstat as root" "$kver"
	zs_expect "$dir" nodebugfs 1 "debugfs is not mounted" "$kver"
	zs_expect "$dir" once 0 "TOTAL" "$kver"
	{ read -r got; read -r want; } < <(zs_totals "$dir" 2>/dev/null) || true
	if [[ -n $want && $got == "$want" ]]; then
		result PASS "zallocstat totals match the stats file $kver"
	else
		result FAIL "zallocstat totals match the stats file $kver"
		printf 'allocs failures live bytes cached pages hit%%\nzallocstat: %s\nstats:      %s\n' \
			"$got" "$want" | show
	fi
	bad=$(trace_problems "$dir")
	if [[ -z $bad ]]; then
		result PASS "trace names the example's call sites and sizes $kver"
	else
		result FAIL "trace names the example's call sites and sizes $kver"
		show <<<"$bad"
	fi
	check_log "$kver tools" "$dir"
}

target_uml()
{
	local ver=$1 src kver out tree dir start=$SECONDS

	if ! src=$("$TOOLS_DIR/kernel.sh" src "$ver"); then
		result FAIL "kernel source $ver"
		return
	fi
	kver=$("$TOOLS_DIR/kernel.sh" version "$ver")
	dir=$RUN_DIR/uml-$kver
	mkdir -p "$dir"
	check_checkpatch "$src" "$kver" "$dir"
	if ! out=$("$TOOLS_DIR/kernel.sh" uml "$ver"); then
		result FAIL "kernel uml $kver"
		return
	fi
	tree=$dir/tree
	copy_tree "$TOP_DIR" "$tree"
	check_build "$out" "$tree" "$kver" "$dir/build.log" ARCH=um
	check_sparse "$out" "$tree" "$kver" "$dir/sparse.log" ARCH=um
	check_boot uml "$out" "$tree" "$kver" "$dir/boot"
	check_interfaces "$out" "$tree" "$kver" "$dir"
	check_tools "$out" "$tree" "$kver" "$dir"
	log "$kver: done in $(elapsed "$start")"
}

# UML SMP's boot arguments: two virtual CPUs (host threads), which need
# seccomp mode instead of ptrace.
UML_SMP_ARGS="ncpus=2 seccomp=on"
# The KUnit case that may skip on UML SMP: remove_cpu() fails there (CPU
# hotplug is the QEMU target's).
UML_SMP_SKIPPABLE='\.zalloc_cpu_offline_drains_cache$'

# check_smp_threads LABEL DIR - the stress suite ran one thread per CPU,
# two, in each of its cases (it passes with one thread too)
check_smp_threads()
{
	local label=$1 log=$2/dmesg.log n

	n=$(grep -cE 'zalloc_smp_cross_cpu_free: 2 threads: ' "$log" 2>/dev/null || true)
	if [[ $n == 2 ]]; then
		result PASS "stress suite ran on 2 CPUs $label"
	else
		result FAIL "stress suite ran on 2 CPUs $label"
		{ grep -E 'zalloc_smp_cross_cpu_free: [0-9]+ thread' "$log" ||
			echo "no thread count in the log"; } | show
	fi
}

# target_uml-smp VERSION - the SMP UML test kernel of VERSION (7.x on) with
# two CPUs: W=1 build, KUnit (the stress suite and the cross-CPU cases run
# on both CPUs at once, and must not skip), log and debugfs checks
target_uml-smp()
{
	local ver=$1 kver label out tree dir start=$SECONDS

	if ! "$TOOLS_DIR/kernel.sh" src "$ver" >/dev/null; then
		result FAIL "kernel source $ver"
		return
	fi
	kver=$("$TOOLS_DIR/kernel.sh" version "$ver")
	label=$kver-smp
	dir=$RUN_DIR/uml-$label
	mkdir -p "$dir"
	if ! out=$("$TOOLS_DIR/kernel.sh" uml-smp "$ver"); then
		result FAIL "kernel uml $label"
		return
	fi
	tree=$dir/tree
	copy_tree "$TOP_DIR" "$tree"
	check_build "$out" "$tree" "$label" "$dir/build.log" ARCH=um
	check_boot uml "$out" "$tree" "$label" "$dir/boot" "$UML_SMP_ARGS" \
		"$UML_SMP_SKIPPABLE"
	check_smp_threads "$label" "$dir/boot"
	log "$label: done in $(elapsed "$start")"
}

# The use after free of kunit/zalloc_sanitizer_kunit.c: the one KASAN report
# the sanitizer target expects (its "BUG: KASAN: ..." line, extended regexp).
KASAN_EXPECTED='BUG: KASAN: slab-use-after-free in zalloc_sanitizer_uaf_read\+'

# kasan_strip - stdin to stdout without the expected KASAN report: from the
# "=====" line before its BUG line to the "=====" line that closes it
kasan_strip()
{
	awk -v re="$KASAN_EXPECTED" '
	{
		line = $0
		sub(/^\[[^]]*\] ?/, "", line)
	}
	line ~ /^=+\r?$/ && !in_report {
		held = $0
		next
	}
	held != "" {
		if (line ~ re) {
			in_report = 1
			held = ""
			next
		}
		print held
		held = ""
	}
	in_report {
		if (line ~ /^=+\r?$/)
			in_report = 0
		next
	}
	{ print }
	END { if (held != "") print held }'
}

# check_kasan LABEL DIR - the kernel log of DIR holds exactly one KASAN
# report, the expected one, naming the case's function
check_kasan()
{
	local label=$1 log=$2/dmesg.log reports

	[[ -s $log ]] || log=$2/console.log
	reports=$(grep -E 'BUG: KASAN: ' "$log" | sed -E 's/^\[[^]]*\] ?//' || true)
	if [[ $(grep -c . <<<"$reports") == 1 ]] && grep -qE "$KASAN_EXPECTED" <<<"$reports"; then
		result PASS "KASAN reports the use after free in zalloc_sanitizer_uaf_read, and nothing else $label"
	else
		result FAIL "KASAN reports the use after free in zalloc_sanitizer_uaf_read, and nothing else $label"
		show <<<"${reports:-no KASAN report}"
	fi
}

# sanitizer_case LABEL DIR CASE - the KUnit case zalloc_sanitizer.CASE of the
# kernel log of DIR passed (one check; the suite's other cases skip there)
sanitizer_case()
{
	local label=$1 log=$2/dmesg.log name=zalloc_sanitizer.$3 st

	[[ -s $log ]] || log=$2/console.log
	st=$(ktap_results "$log" | awk -F'\t' -v n="$name" '$2 == n { print $1 }')
	if [[ $st == PASS ]]; then
		result PASS "kunit $label $name"
	else
		result FAIL "kunit $label $name (${st:-no result})"
		ktap_results "$log" | show
	fi
}

# kmemleak_symbolize FILE TEXT KO - print kmemleak's report FILE with the
# raw addresses in its backtraces that fall in the .text of module KO,
# which was loaded at TEXT (hex) and is gone, named after KO's functions:
# kmemleak prints its stored stacks when the file is read, and kallsyms
# no longer knows a removed module's functions
kmemleak_symbolize()
{
	local file=$1 text=$2 ko=$3

	# shellcheck disable=SC2016 # awk's own $1...
	awk -v text="$text" -v mod="$(modname "$ko")" '
	function hex(s,    i, v) {
		v = 0
		s = tolower(s)
		sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	NR == FNR {
		if ($3 == "F" && $4 == ".text") {
			n++
			start[n] = hex($1)
			size[n] = hex($5)
			name[n] = $6
		}
		next
	}
	text != "" && /^ +0x[0-9a-f]+$/ {
		a = hex($1) - hex(text)
		for (i = 1; i <= n; i++) {
			if (a >= start[i] && a < start[i] + size[i]) {
				printf "    %s+0x%x/0x%x [%s, removed]\n", name[i],
					a - start[i], size[i], mod
				next
			}
		}
	}
	{ print }' <(objdump -t "$ko" | tr '\t' ' ') "$file"
}

# kmemleak_blocks FILE [TEXT KO] - print each report of kmemleak's FILE on
# one line (symbolized as kmemleak_symbolize does when TEXT and KO are given)
kmemleak_blocks()
{
	local file=$1

	[[ -f $file ]] || return 0
	if [[ $# -eq 3 ]]; then
		kmemleak_symbolize "$@"
	else
		cat "$file"
	fi | awk '/^unreferenced object/ { if (b != "") print b; b = $0; next }
		b != "" { gsub(/^ +/, ""); b = b " | " $0 }
		END { if (b != "") print b }'
}

# sanitizer_text DIR - print the address of the sanitizer module's .text
# that sanitizer-test.sh saved in DIR before it removed the module
sanitizer_text()
{
	cat "$1/sanitizer-text" 2>/dev/null || true
}

# check_fault_figures LABEL DIR - both passes of the fault case (debug mode
# and normal) saw a share of their allocations fail, not all of them
check_fault_figures()
{
	local label=$1 log=$2/dmesg.log figures bad

	[[ -s $log ]] || log=$2/console.log
	figures=$(grep -oE 'debug=[01]: [0-9]+ allocations, [0-9]+ failed' "$log" || true)
	bad=$(awk '{ n[$1] = $2; f[$1] = $4 }
		END {
			for (m = 0; m <= 1; m++) {
				k = "debug=" m ":"
				if (!(k in n) || f[k] == 0 || f[k] >= n[k])
					print k " " (k in n ? f[k] " of " n[k] " failed" : "no figures")
			}
		}' <<<"$figures")
	if [[ -z $bad ]]; then
		result PASS "fault injection fails a share of allocations, debug and normal mode $label"
		log "$label: fault injection: $(tr '\n' ';' <<<"$figures")"
	else
		result FAIL "fault injection fails a share of allocations, debug and normal mode $label"
		show <<<"$bad"
	fi
}

# check_faults OUT TREE LABEL DIR - the fault-injection boot: the case
# passed, failures were injected, zalloc's live objects are back to zero
# once the module is gone and its debug table is empty when it is removed,
# kmemleak reports nothing, the log is clean
check_faults()
{
	local out=$1 tree=$2 label=$3 dir=$4 live snippet

	snippet="ZS_MOD=$(squote "$tree/kunit/zalloc_sanitizer_kunit.ko")
ZS_PHASE=faults
ZS_PLANT=${ZALLOC_SANITIZER_PLANT:-0}
ZS_PROBABILITY=${ZALLOC_SANITIZER_PROBABILITY:-20}
. $(squote "$TOOLS_DIR/sanitizer-test.sh")"
	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" -a "$KMEMLEAK_ARGS" -x "$snippet" \
		"$out" "$dir" "$tree/zalloc.ko" >/dev/null 2>&1 || true
	sanitizer_case "$label" "$dir" zalloc_sanitizer_faults
	check_fault_figures "$label" "$dir"
	live=$(stat_value "$dir/stats-after" live_objects) || live=missing
	log "$label: after the fault loop: live_objects $live," \
		"failures $(stat_value "$dir/stats-after" failures || echo missing)"
	if [[ $live == 0 ]]; then
		result PASS "live_objects 0 after the fault loop $label"
	else
		result FAIL "live_objects 0 after the fault loop $label"
		echo "live_objects $live (want 0)" | show
	fi
	# zalloc reports what its debug table still holds when it is removed.
	if grep -q 'zalloc: debug: .* never freed' "$dir/dmesg.log" 2>/dev/null ||
		[[ ! -s $dir/dmesg.log ]]; then
		result FAIL "zalloc's debug table empty at unload after the fault loop $label"
		grep 'zalloc: debug: .* never freed' "$dir/dmesg.log" 2>/dev/null | show
	else
		result PASS "zalloc's debug table empty at unload after the fault loop $label"
	fi
	if [[ -f $dir/kmemleak && ! -s $dir/kmemleak ]]; then
		result PASS "kmemleak reports nothing after the fault loop $label"
	else
		result FAIL "kmemleak reports nothing after the fault loop $label"
		{ kmemleak_blocks "$dir/kmemleak" "$(sanitizer_text "$dir")" \
			"$tree/kunit/zalloc_sanitizer_kunit.ko" | cut -c1-400
			[[ -f $dir/kmemleak ]] ||
			echo "no kmemleak report saved"; } | show
	fi
	check_log "$label faults" "$dir"
}

# Kernel arguments of the boots whose kmemleak reports are judged. 7.x's
# SLUB hands objects out of per-CPU sheaves, arrays of object pointers
# that kmemleak scans; the slot of an object handed out keeps its pointer,
# so that a leak of a fresh slab object goes unreported (seen: zalloc's
# planted 64 B and 1 KiB debug-mode objects). A cache with a debug flag has
# no sheaves: slub_debug=U (store the allocating and freeing user) for all.
KMEMLEAK_ARGS="slub_debug=U"

# The size kmemleak gives the planted extended-pool object (700 bytes, in
# the class of 768), which zalloc registers itself; the planted debug-mode
# objects are SLUB's (64 bytes, and 1000 bytes from kmalloc-1024).
LEAK_EXT_SIZE=768

# check_leak OUT TREE LABEL DIR - the planted leak boot: kmemleak reports
# the planted objects, each with zalloc_sanitizer_plant_leak in its
# backtrace (the extended-pool one of normal mode, and the two of debug
# mode: one check each), and nothing else
check_leak()
{
	local out=$1 tree=$2 label=$3 dir=$4 snippet blocks planted other n

	snippet="ZS_MOD=$(squote "$tree/kunit/zalloc_sanitizer_kunit.ko")
ZS_PHASE=leak
. $(squote "$TOOLS_DIR/sanitizer-test.sh")"
	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" -a "$KMEMLEAK_ARGS" -x "$snippet" \
		"$out" "$dir" "$tree/zalloc.ko" >/dev/null 2>&1 || true
	sanitizer_case "$label" "$dir" zalloc_sanitizer_leak
	blocks=$(kmemleak_blocks "$dir/kmemleak" "$(sanitizer_text "$dir")" \
		"$tree/kunit/zalloc_sanitizer_kunit.ko")
	planted=$(grep 'zalloc_sanitizer_plant_leak' <<<"$blocks" || true)
	other=$(grep -v 'zalloc_sanitizer_plant_leak' <<<"$blocks" | grep . || true)
	n=$(grep -c "(size $LEAK_EXT_SIZE):" <<<"$planted" || true)
	if [[ $n == 1 ]]; then
		result PASS "kmemleak reports the planted extended-pool object (debug=0) $label"
	else
		result FAIL "kmemleak reports the planted extended-pool object (debug=0) $label"
		echo "$n reported with zalloc_sanitizer_plant_leak in the backtrace, want 1" | show
		cut -c1-400 <<<"$blocks" | show
	fi
	n=$(grep -v "(size $LEAK_EXT_SIZE):" <<<"$planted" | grep -c . || true)
	if [[ $n == 2 ]]; then
		result PASS "kmemleak reports the 2 planted debug-mode objects $label"
	else
		result FAIL "kmemleak reports the 2 planted debug-mode objects $label"
		echo "$n reported with zalloc_sanitizer_plant_leak in the backtrace, want 2" | show
		cut -c1-400 <<<"$blocks" | show
	fi
	if [[ -f $dir/kmemleak && -z $other ]]; then
		result PASS "kmemleak reports nothing but the planted leak $label"
	else
		result FAIL "kmemleak reports nothing but the planted leak $label"
		{ cut -c1-400 <<<"$other"; [[ -f $dir/kmemleak ]] ||
			echo "no kmemleak report saved"; } | show
	fi
	check_log "$label leak" "$dir"
}

# check_uaf OUT TREE LABEL DIR - the use-after-free boot: the case passed,
# KASAN reported that use after free and nothing else, and the log is clean
# but for that report
check_uaf()
{
	local out=$1 tree=$2 label=$3 dir=$4

	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" \
		-p "zalloc_sanitizer_kunit=use_after_free=1" \
		${ZALLOC_SANITIZER_ZALLOC:+-p "zalloc=$ZALLOC_SANITIZER_ZALLOC"} \
		"$out" "$dir" "$tree/zalloc.ko" "$tree/kunit/zalloc_sanitizer_kunit.ko" \
		>/dev/null 2>&1 || true
	sanitizer_case "$label" "$dir" zalloc_sanitizer_use_after_free
	check_kasan "$label" "$dir"
	check_log "$label use after free" "$dir" kasan_strip
}

# target_uml-sanitizer VERSION - the sanitizer UML kernel of VERSION (7.x):
# W=1 build, then a boot each for fault injection, the planted leak and
# the use after free. ZALLOC_SANITIZER_PLANT=1 plants a leak in the fault
# boot too, and ZALLOC_SANITIZER_ZALLOC gives zalloc.ko parameters in the
# use-after-free boot (e.g. debug=0); ZALLOC_SANITIZER_PROBABILITY sets the
# share of failed allocations in percent (20; 0 injects none): all to show
# that the checks fail.
target_uml-sanitizer()
{
	local ver=$1 kver label out tree dir start=$SECONDS

	if ! "$TOOLS_DIR/kernel.sh" src "$ver" >/dev/null; then
		result FAIL "kernel source $ver"
		return
	fi
	kver=$("$TOOLS_DIR/kernel.sh" version "$ver")
	label=$kver-sanitizer
	dir=$RUN_DIR/uml-$label
	mkdir -p "$dir"
	if ! out=$("$TOOLS_DIR/kernel.sh" uml-sanitizer "$ver"); then
		result FAIL "kernel uml $label"
		return
	fi
	tree=$dir/tree
	copy_tree "$TOP_DIR" "$tree"
	check_build "$out" "$tree" "$label" "$dir/build.log" ARCH=um
	if [[ ! -f $tree/zalloc.ko || ! -f $tree/kunit/zalloc_sanitizer_kunit.ko ]]; then
		result FAIL "sanitizer boots $label (zalloc.ko or zalloc_sanitizer_kunit.ko not built)"
		return
	fi
	check_faults "$out" "$tree" "$label" "$dir/faults"
	check_leak "$out" "$tree" "$label" "$dir/leak"
	check_uaf "$out" "$tree" "$label" "$dir/uaf"
	log "$label: done in $(elapsed "$start")"
}

# target_qemu VERSION - the x86_64 test kernel of VERSION in QEMU with 2 CPUs:
# W=1 build, the sample built as documented, KUnit (zalloc and zalloc_smp),
# log and debugfs checks. checkpatch runs in the uml targets.
target_qemu()
{
	local ver=$1 kver label out tree dir start=$SECONDS

	if ! "$TOOLS_DIR/kernel.sh" src "$ver" >/dev/null; then
		result FAIL "kernel source $ver"
		return
	fi
	kver=$("$TOOLS_DIR/kernel.sh" version "$ver")
	label=x86_64-$kver
	dir=$RUN_DIR/qemu-$kver
	mkdir -p "$dir"
	if ! out=$("$TOOLS_DIR/kernel.sh" x86_64 "$ver"); then
		result FAIL "kernel $label"
		return
	fi
	tree=$dir/tree
	copy_tree "$TOP_DIR" "$tree"
	check_build "$out" "$tree" "$label" "$dir/build.log" ARCH=x86_64
	check_sample_build "$out" "$tree" "$label" "$dir/sample-build.log" ARCH=x86_64
	check_boot qemu "$out/arch/x86/boot/bzImage" "$tree" "$label" "$dir/boot"
	log "$label: done in $(elapsed "$start") (emulated: not a timing)"
}

# stock_release FLAVOUR - print the release (e.g. 6.1.0-56-amd64) of Debian's
# stock kernel that linux-image-FLAVOUR depends on; FLAVOUR may be a release
stock_release()
{
	local rel

	if [[ -e /boot/vmlinuz-$1 ]]; then
		echo "$1"
		return
	fi
	rel=$(dpkg-query -W -f='${Depends}' "linux-image-$1" 2>/dev/null |
		grep -oE 'linux-image-[^ ,(]+' | head -n1) || return 1
	rel=${rel#linux-image-}
	echo "${rel%-unsigned}"
}

# stat_value FILE NAME - print the value of the line "NAME value" of FILE
stat_value()
{
	awk -v n="$2" '$1 == n { print $2; f = 1; exit } END { exit !f }' "$1" 2>/dev/null
}

# check_stock_stats KVER DIR - zalloc's stats show the sample's objects while
# it is loaded, and none once it is removed
check_stock_stats()
{
	local kver=$1 dir=$2 allocs live

	allocs=$(stat_value "$dir/stats-loaded" allocs) || allocs=missing
	live=$(stat_value "$dir/stats-loaded" live_objects) || live=missing
	if [[ $allocs =~ ^[0-9]+$ && $live =~ ^[0-9]+$ ]] && ((allocs > 0 && live > 0)); then
		result PASS "stats show the loaded sample $kver"
	else
		result FAIL "stats show the loaded sample $kver"
		echo "allocs $allocs, live_objects $live (want both > 0)" | show
	fi
	live=$(stat_value "$dir/stats-unloaded" live_objects) || live=missing
	if [[ $live == 0 ]]; then
		result PASS "stats after the sample is removed $kver"
	else
		result FAIL "stats after the sample is removed $kver"
		echo "live_objects $live (want 0)" | show
	fi
}

# check_expected_log KVER DIR - after the first insmod, the kernel log holds
# only the lines of STOCK_EXPECTED
check_expected_log()
{
	local kver=$1 dir=$2 log=$2/dmesg.log extra

	[[ -s $log ]] || log=$dir/console.log
	extra=$(after_marker "$log" | sed -E 's/\r$//; s/^\[[^]]*\] ?//' |
		grep -vE -e '^$' "${STOCK_EXPECTED[@]/#/-e}" || true)
	if [[ -s $log && -z $extra ]]; then
		result PASS "log expected lines only $kver"
	else
		result FAIL "log expected lines only $kver"
		show <<<"${extra:-no kernel log}"
	fi
}

# target_stock FLAVOUR - Debian's installed stock kernel in QEMU with 2 CPUs:
# W=1 build against its headers, the sample built as documented, zalloc and
# the sample loaded, stats read with and without the sample, log checks
target_stock()
{
	local rel kdir image label dir tree start=$SECONDS

	if ! rel=$(stock_release "$1") || [[ -z $rel ]]; then
		result FAIL "stock kernel $1 (linux-image-$1 not installed: run tools/testing/deps.sh)"
		return
	fi
	kdir=/lib/modules/$rel/build
	image=/boot/vmlinuz-$rel
	label=stock-$rel
	if [[ ! -f $image || ! -f $kdir/Makefile ]]; then
		result FAIL "kernel $label (no $image or no headers in $kdir)"
		return
	fi
	dir=$RUN_DIR/$label
	tree=$dir/tree
	mkdir -p "$dir"
	copy_tree "$TOP_DIR" "$tree"
	check_build "$kdir" "$tree" "$label" "$dir/build.log"
	check_sample_build "$kdir" "$tree" "$label" "$dir/sample-build.log"
	if [[ ! -f $tree/zalloc.ko || ! -f $tree/samples/zalloc_example.ko ]]; then
		result FAIL "boot $label (zalloc.ko or the sample not built)"
		return
	fi
	log "$label: booting qemu with zalloc.ko zalloc_example.ko"
	"$TOOLS_DIR/qemu-run.sh" -t "$QEMU_TIMEOUT" -c 2 -x "$STOCK_SNIPPET" "$image" \
		"$dir/boot" "$tree/zalloc.ko" "$tree/samples/zalloc_example.ko" || true
	check_log "$label" "$dir/boot"
	check_expected_log "$label" "$dir/boot"
	check_debugfs "$label" "$dir/boot"
	check_stock_stats "$label" "$dir/boot"
	log "$label: done in $(elapsed "$start") (emulated: not a timing)"
}

# check_make_install KDIR TREE LABEL DIR - "make install" into DIR/root:
# zalloc.ko and zallocstat, and no other module
check_make_install()
{
	local kdir=$1 tree=$2 label=$3 root=$4/root log=$4/make-install.log mods

	rm -rf "$root"
	make -C "$tree" KDIR="$kdir" INSTALL_MOD_PATH="$root" DESTDIR="$root" \
		install >"$log" 2>&1 || true
	mods=$(cd "$root" 2>/dev/null && find . -name '*.ko*' | sort | tr '\n' ' ')
	if [[ $mods == "./lib/modules/"*"/extra/zalloc.ko " &&
		-x $root/usr/local/sbin/zallocstat ]] &&
		grep -q '^zalloc: installed .*/extra/zalloc.ko$' "$log"; then
		result PASS "make install: zalloc.ko (and says where) and zallocstat only $label"
	else
		result FAIL "make install: zalloc.ko (and says where) and zallocstat only $label"
		{ echo "modules installed: ${mods:-none}"; tail -n 20 "$log"; } | show
	fi
}

# dkms_ko DIR - print the zalloc.ko that DKMS built in its module DIR,
# uncompressed into DIR/../zalloc.ko when DKMS compressed it
dkms_ko()
{
	local dir=$1 f

	for f in "$dir"/zalloc.ko*; do
		case $f in
		*.ko) echo "$f" ;;
		*.xz) xz -dc "$f" >"$dir/../zalloc.ko" && echo "$dir/../zalloc.ko" ;;
		*.gz) gzip -dc "$f" >"$dir/../zalloc.ko" && echo "$dir/../zalloc.ko" ;;
		*.zst) zstd -qdc "$f" >"$dir/../zalloc.ko" && echo "$dir/../zalloc.ko" ;;
		*) continue ;;
		esac
		return
	done
	return 1
}

# target_dkms FLAVOUR - Debian's dkms builds, signs (with a key of this run,
# as it would with its MOK key) and installs zalloc.ko against the stock
# headers, in trees of this run; the example is built against what DKMS
# left, as README.md documents; both are loaded in the stock kernel in
# QEMU -smp 2. Also "make install" against the same headers.
target_dkms()
{
	local rel kdir image label dir src ver arch base ko got sym start=$SECONDS
	local -a dk mods

	if ! rel=$(stock_release "$1") || [[ -z $rel ]]; then
		result FAIL "dkms $1 (linux-image-$1 not installed: run tools/testing/deps.sh)"
		return
	fi
	kdir=/lib/modules/$rel/build
	image=/boot/vmlinuz-$rel
	label=dkms-$rel
	dir=$RUN_DIR/$label
	mkdir -p "$dir"
	copy_tree "$TOP_DIR" "$dir/tree"
	check_make_install "$kdir" "$dir/tree" "$label" "$dir"

	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP_DIR/dkms.conf")
	src=$dir/src/zalloc-$ver
	copy_tree "$TOP_DIR" "$src"
	arch=$(uname -m)
	base=$dir/dkms/zalloc/$ver/$rel/$arch
	dk=(dkms --dkmstree "$dir/dkms" --sourcetree "$dir/src" --installtree "$dir/lib")
	# dkms wants its tree, and the kernel's directory in its install tree.
	mkdir -p "$dir/dkms" "$dir/lib/$rel"
	log "$label: dkms add, build, install of zalloc $ver"
	if (export mok_signing_key=$dir/mok.key mok_certificate=$dir/mok.pub
		"${dk[@]}" add -m zalloc -v "$ver" &&
		"${dk[@]}" build -m zalloc -v "$ver" -k "$rel" --kernelsourcedir "$kdir" &&
		"${dk[@]}" install -m zalloc -v "$ver" -k "$rel" --no-depmod
	) >"$dir/dkms.log" 2>&1 && ko=$(dkms_ko "$base/module"); then
		result PASS "dkms add, build, install $label"
	else
		result FAIL "dkms add, build, install $label"
		tail -n 30 "$dir/dkms.log" | show
		if [[ -f $dir/dkms/zalloc/$ver/build/make.log ]]; then
			tail -n 20 "$dir/dkms/zalloc/$ver/build/make.log" | show
		fi
		return
	fi
	got=$(cd "$base/module" && echo *)
	if [[ $got == zalloc.ko* && $got != *" "* ]] &&
		[[ -n $(find "$dir/lib/$rel" -name 'zalloc.ko*') ]] &&
		[[ $(find "$dir/lib/$rel" -name '*.ko*' | wc -l) == 1 ]]; then
		result PASS "dkms builds and installs zalloc.ko only $label"
	else
		result FAIL "dkms builds and installs zalloc.ko only $label"
		{ echo "built: $got"; find "$dir/lib" -name '*.ko*'; } | show
	fi
	got=$(modinfo -F version "$ko" 2>/dev/null || true)
	if [[ -n $ver && $got == "$ver" ]]; then
		result PASS "MODULE_VERSION is dkms.conf's PACKAGE_VERSION ($ver) $label"
	else
		result FAIL "MODULE_VERSION is dkms.conf's PACKAGE_VERSION ($ver) $label"
		echo "modinfo version: ${got:-none}" | show
	fi
	if grep -q 'Signing module' "$dir/dkms.log" &&
		modinfo -F signer "$ko" 2>/dev/null | grep -q 'DKMS module signing key'; then
		result PASS "dkms signs zalloc.ko with its MOK key $label"
	else
		result FAIL "dkms signs zalloc.ko with its MOK key $label"
		grep -i -e sign -e mok "$dir/dkms.log" | show
	fi
	sym=$base/Module.symvers
	if grep -q 'zalloc_alloc' "$sym" 2>/dev/null; then
		result PASS "dkms keeps Module.symvers beside the module $label"
	else
		result FAIL "dkms keeps Module.symvers beside the module $label"
		echo "no zalloc_alloc in $sym" | show
		return
	fi
	# The example, built as a user's module would be against what DKMS
	# installed: the header in /usr/src/zalloc-VERSION/include (here
	# $src/include, which samples/Kbuild finds) and that Module.symvers.
	make -C "$kdir" M="$src/samples" KBUILD_EXTRA_SYMBOLS="$sym" modules \
		>"$dir/sample-build.log" 2>&1 || true
	if [[ ! -f $src/samples/zalloc_example.ko ]] || grep -qi warning "$dir/sample-build.log"; then
		result FAIL "example built against dkms's zalloc $label"
		tail -n 20 "$dir/sample-build.log" | show
		return
	fi
	result PASS "example built against dkms's zalloc $label"
	mods=("$ko" "$src/samples/zalloc_example.ko")
	log "$label: booting qemu with the dkms-built zalloc.ko and the example"
	"$TOOLS_DIR/qemu-run.sh" -t "$QEMU_TIMEOUT" -c 2 -x "$STOCK_SNIPPET" "$image" \
		"$dir/boot" "${mods[@]}" || true
	check_log "$label" "$dir/boot"
	check_expected_log "$label" "$dir/boot"
	check_stock_stats "$label" "$dir/boot"
	log "$label: done in $(elapsed "$start") (emulated: not a timing)"
}

# prune_runs - keep only the newest $KEEP_RUNS run dirs
prune_runs()
{
	local d

	find "$ZALLOC_CACHE/runs" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' |
		sort -rn | tail -n +$((KEEP_RUNS + 1)) |
		while read -r _ d; do rm -rf "$d"; done
}

# summary - print the closing line
summary()
{
	local s="$NPASS passed, $NFAIL failed"

	((NSKIP == 0)) || s+=", $NSKIP skipped"
	echo "$s"
}

main()
{
	local t p f start=$SECONDS

	mkdir -p "$RUN_DIR"
	prune_runs
	log "logs in $RUN_DIR"
	for t in $TARGETS; do
		declare -F "target_${t%%:*}" >/dev/null || die "unknown target $t"
	done
	for t in $TARGETS; do
		p=$NPASS f=$NFAIL
		"target_${t%%:*}" "${t#*:}"
		log "target $t: $((NPASS - p)) passed, $((NFAIL - f)) failed"
	done
	log "all targets done in $(elapsed "$start")"
	summary
	((NFAIL == 0))
}

main "$@"
