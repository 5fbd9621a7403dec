# shellcheck shell=bash
# tools/testing/check-lib.sh - the checks that several targets of
# tools/testing/check.sh share: checkpatch, the W=1 and sparse builds, a test
# boot with its KUnit cases, kernel log and debugfs checks. Sourced by check.sh
# (which defines result, show and the run's settings); does nothing alone.

# Set by kernel_target (see there) for the target that called it last.
# shellcheck disable=SC2034 # read by the targets in the other check-*.sh
KT_SRC='' KT_LABEL='' KT_DIR='' KT_OUT='' KT_TREE=''

# The command that runs the kernel's make for the module builds below: make,
# or where a target sets it (a local of its own, which the checks it calls
# see), a command that runs make elsewhere (check-qemu.sh's in_debian_root:
# in the Debian system that holds Debian's headers).
KMAKE=(make)

# Messages of a broken kernel or of a failed load/unload: any one fails "log clean".
BAD_PATTERNS=(
	'BUG:' 'WARNING:' 'Oops' 'Kernel panic' 'cut here' 'still has objects'
	'INSMOD FAILED' 'RMMOD FAILED' 'possible circular locking'
	'inconsistent lock state' 'sleeping function called from invalid context'
	'Call Trace' 'lockdep'
)

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

# undocumented_exports FILE - print the functions FILE defines and exports
# with no kernel-doc comment (" * NAME() - ...") in it; exported data is
# documented where it is declared
undocumented_exports()
{
	local f=$1 sym

	while IFS= read -r sym; do
		grep -qE "^[a-z].*[ *]$sym\(" "$f" || continue
		grep -qE "^ \* $sym\(\) - " "$f" || echo "$sym"
	done < <(sed -nE 's/^EXPORT_SYMBOL[A-Z_]*\(([a-z_0-9]+).*/\1/p' "$f")
}

# check_kernel_doc SRC LOGDIR - one check per kernel source file (all but
# tools/): SRC's scripts/kernel-doc -Wall has nothing to say, and every
# function the file exports has a kernel-doc comment
check_kernel_doc()
{
	local src=$1 dir=$2/kernel-doc f log

	mkdir -p "$dir"
	while IFS= read -r f; do
		[[ $f == tools/* ]] && continue
		log=$dir/${f//\//_}.log
		(cd "$TOP_DIR" && "$src/scripts/kernel-doc" -none -Wall "$f" &&
			undocumented_exports "$f" | sed 's/^/exported, no kernel-doc: /') \
			>"$log" 2>&1 || echo "kernel-doc exited with $?" >>"$log"
		if [[ -s $log ]]; then
			result FAIL "kernel-doc $f"
			show <"$log"
		else
			result PASS "kernel-doc $f"
		fi
	done < <(project_files '*.c' '*.h')
}

# kernel_target CMD VERSION LABEL DIR ARCH - the start of the targets that
# build a kernel with tools/testing/kernel.sh CMD VERSION: set KT_SRC (its
# source), KT_LABEL and KT_DIR (LABEL and DIR, printf formats of the source's
# kernel version: the checks' label and the target's dir in RUN_DIR),
# KT_OUT (the kernel's build dir) and KT_TREE (a fresh copy of the module tree
# in KT_DIR), and build the tree with W=1 for ARCH; return 1, counting a
# failure, when there is no source or no kernel
kernel_target()
{
	local cmd=$1 ver=$2 kver

	if ! KT_SRC=$("$TOOLS_DIR/kernel.sh" src "$ver"); then
		result FAIL "kernel source $ver"
		return 1
	fi
	kver=$("$TOOLS_DIR/kernel.sh" version "$ver")
	# shellcheck disable=SC2059 # the formats are the callers'
	printf -v KT_LABEL "$3" "$kver"
	# shellcheck disable=SC2059
	printf -v KT_DIR "$RUN_DIR/$4" "$kver"
	mkdir -p "$KT_DIR"
	if ! KT_OUT=$("$TOOLS_DIR/kernel.sh" "$cmd" "$ver"); then
		result FAIL "kernel $cmd $KT_LABEL"
		return 1
	fi
	KT_TREE=$KT_DIR/tree
	copy_tree "$TOP_DIR" "$KT_TREE"
	check_build "$KT_OUT" "$KT_TREE" "$KT_LABEL" "$KT_DIR/build.log" ARCH="$5"
}

# check_build OUT TREE KVER LOG [MAKEARG...] - build the module tree TREE
# against the kernel build dir OUT with W=1 (and MAKEARGs, e.g. ARCH=um)
check_build()
{
	local out=$1 tree=$2 kver=$3 log=$4 rc=0

	shift 4
	log "$kver: building modules in $tree"
	"${KMAKE[@]}" -C "$out" "$@" M="$tree" W=1 -j"$(nproc)" modules >"$log" 2>&1 || rc=$?
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

# ktap_split LOG DIR - write each KTAP document of LOG into DIR/ktap-N.log
# (N from 1), without the kernel log's timestamps: from 6.3 on each KUnit
# module prints a document of its own (an unindented "KTAP version" line, a
# plan, its suite), and kunit.py parses one document a run. Before, a module
# printed only its suite (an indented "KTAP version" line), numbered on from
# the previous module's: those suites are one document, under the header
# that the kernel printed at boot, which is added here without its plan.
ktap_split()
{
	awk -v dir="$2" '
	{
		line = $0
		sub(/\r$/, "", line)
		sub(/^\[[^]]*\] ?/, "", line)
	}
	line ~ /^ *K?TAP version [0-9]+/ && (line !~ /^ / || file == "") {
		if (file != "")
			close(file)
		file = dir "/ktap-" ++n ".log"
		if (line ~ /^ /)
			print "KTAP version 1" > file
	}
	file != "" { print line > file }' "$1"
}

# ktap_cases JSON FILTER STATUS - print "STATUS<TAB>NAME" for each case (a
# test without subtests) in kunit.py's JSON report of one document whose
# top-level test's name matches the regexp FILTER; NAME is the case's path
# from there down, joined with dots, STATUS is PASS, SKIP or FAIL (failed,
# crashed, or its result missing: kunit.py names such a case "", here "(no
# result N)", N its place among its group's cases). A test with
# subtests has no status in the JSON, only counts of the errors and crashes
# below it (in 7.x's kunit.py; not in 6.12's): when those, or else kunit.py's
# exit STATUS, say that something went wrong but no case failed (a suite cut
# off after its last case), the top-level test fails as "NAME (incomplete)".
ktap_cases()
{
	python3 - "$@" <<-'EOT'
	import json, re, sys

	def cases(group, path):
	    for sub in group["sub_groups"]:
	        yield from cases(sub, path + [sub["name"]])
	    for i, case in enumerate(group["test_cases"], 1):
	        yield case["status"], path + [case["name"] or f"(no result {i})"]

	def broken(group):
	    misc = group.get("misc")
	    if misc is None:
	        return sys.argv[3] != "0"
	    return misc["errors"] > 0 or misc["crashed"] > 0

	with open(sys.argv[1]) as f:
	    report = json.load(f)
	failed = False
	for status, path in cases(report, []):
	    if re.search(sys.argv[2], path[0]):
	        if status not in ("PASS", "SKIP"):
	            status, failed = "FAIL", True
	        print(status, ".".join(path), sep="\t")
	for top in report["sub_groups"]:
	    if re.search(sys.argv[2], top["name"]) and broken(top) and not failed:
	        print("FAIL", top["name"] + " (incomplete)", sep="\t")
	EOT
}

# ktap_results LOG DIR [FILTER] - print "STATUS<TAB>NAME" for each case of
# the KTAP documents in LOG (see ktap_cases; FILTER defaults to all), as the
# kernel's tools/testing/kunit/kunit.py parses them; the documents and its
# reports (ktap-N.txt and ktap-N.json) go to DIR. A document kunit.py cannot
# parse gives "FAIL<TAB>(kunit.py cannot parse ktap-N.log)".
ktap_results()
{
	local log=$1 dir filter=${3:-} doc rc

	dir=$(realpath -m "$2")
	rm -rf "$dir"
	mkdir -p "$dir"
	ktap_split "$log" "$dir"
	for doc in "$dir"/ktap-*.log; do
		[[ -e $doc ]] || continue
		# kunit.py changes to its kernel tree: paths must be absolute.
		rc=0
		python3 "$KUNIT_PY" parse --json="${doc%.log}.json" "$doc" \
			>"${doc%.log}.txt" 2>&1 || rc=$?
		if [[ -s ${doc%.log}.json ]]; then
			ktap_cases "${doc%.log}.json" "$filter" "$rc"
		else
			printf 'FAIL\t(kunit.py cannot parse %s)\n' "${doc##*/}"
		fi
	done
}

# ktap_report DIR - print what kunit.py reported on the documents in DIR (see
# ktap_results) but the passed cases: failures with their logs, skips
ktap_report()
{
	sed -E 's/^\[[0-9:]+\] //' "$1"/ktap-*.txt 2>/dev/null |
		grep -vE '\[PASSED\]|^=|^Test results stored' || true
}

# zalloc_init's cases that run only where the boot turns their option on:
# a target whose boot leaves one off lets it skip (check-uml.sh); they are
# parameterised, so a pattern allows a ".<param>" after the name.
INIT_CASES='zalloc_init_on_alloc|zalloc_init_on_free'

# zalloc_mempool's case that needs failslab and fail_page_alloc failing
# every allocation of its thread: only the uml-sanitizer target's faults
# boot arms them (tools/testing/sanitizer-test.sh), and requires it to run
# there (check-sanitizer.sh); the other targets let it skip.
FAULT_CASES='zalloc_mempool_faults'

# zalloc_numa's case that needs a CPU of a second node: the QEMU target's
# guest has two nodes and must run it; kernels of one node let it skip.
NUMA_CASES='zalloc_numa_remote_free'

# check_kunit KVER DIR [SKIPPABLE] - one check per KUnit case of the zalloc
# suites in the kernel log of DIR (kunit.py's reports in DIR/kunit); a case
# that skips fails unless its name matches SKIPPABLE (an extended regexp of
# the cases this kernel cannot run; none when it is empty)
check_kunit()
{
	local kver=$1 dir=$2 skippable=${3:-} log=$2/dmesg.log st name n=0 failed=

	[[ -s $log ]] || log=$dir/console.log
	while IFS=$'\t' read -r st name; do
		if [[ $st == SKIP ]] &&
			! { [[ -n $skippable ]] && grep -qE "$skippable" <<<"$name"; }; then
			result FAIL "kunit $kver $name (skipped, must run here)"
			after_marker "$log" | grep -F " ${name##*.} " | grep -i skip | show
		else
			result "$st" "kunit $kver $name"
			[[ $st != FAIL ]] || failed=1
		fi
		n=$((n + 1))
	done < <(ktap_results <(after_marker "$log") "$dir/kunit" '^zalloc')
	if [[ $n -eq 0 ]]; then
		result FAIL "kunit $kver (no zalloc KTAP in ${log##*/})"
	elif [[ -n $failed ]]; then
		ktap_report "$dir/kunit" | sed "s|$RUN_DIR/[^ ]*/tree/||g" | show
	fi
}

# check_ktap FILE DIR PREFIX SUFFIX - one check per case of the KTAP document
# FILE that a guest script wrote (kunit.py's reports in DIR), each named
# PREFIX, the case's name, SUFFIX; one failure when FILE has none
check_ktap()
{
	local file=$1 dir=$2 prefix=$3 suffix=$4 st name n=0

	while IFS=$'\t' read -r st name; do
		result "$st" "$prefix$name$suffix"
		n=$((n + 1))
	done < <(ktap_results "$file" "$dir")
	if [[ $n -eq 0 ]]; then
		result FAIL "${prefix}no result in ${file##*/}$suffix"
	elif grep -q '^not ok' "$file"; then
		ktap_report "$dir" | show
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
# test modules of TREE with RUNNER (uml, qemu: two CPUs on two NUMA nodes)
# on KERNEL (UML build dir, bzImage) and judge the run; BOOTARGS are more
# kernel arguments for UML, SKIPPABLE as for check_kunit
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
	qemu) "$TOOLS_DIR/qemu-run.sh" -t "$QEMU_TIMEOUT" -c 2 -n 2 "$kernel" "$dir" "${mods[@]}" || true ;;
	esac
	check_kunit "$kver" "$dir" "$skippable"
	check_log "$kver" "$dir"
	check_refusals "$kver" "$dir"
	check_debugfs "$kver" "$dir"
}

# check_refusals KVER DIR - zalloc's refusals in the kernel log of DIR
# (ratelimited errors, not bugs: refused frees, zalloc_size() of a foreign
# pointer) come from zalloc_safety and zalloc_rcu (refused
# zalloc_free_rcu() calls), which provoke them, and from nothing else. A backend's refusal of an object the caches gave back twice names
# no caller; zalloc_safety provokes exactly one (zalloc_span_refuses_object_
# it_has counts it), so one such line is expected and no more.
check_refusals()
{
	local kver=$1 dir=$2 log=$2/dmesg.log other

	[[ -s $log ]] || log=$dir/console.log
	other=$(after_marker "$log" |
		grep -E 'zalloc: .*(refused|not an object zalloc handed out)' |
		grep -vE '\[zalloc_(safety|rcu)_kunit\]' |
		awk '/as its class took it back/ && !seen++ { next } { print }' || true)
	if [[ -z $other ]]; then
		result PASS "refused frees from zalloc_safety and zalloc_rcu only $kver"
	else
		result FAIL "refused frees from zalloc_safety and zalloc_rcu only $kver"
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
	"${KMAKE[@]}" -C "$kdir" "$@" M="$tree/samples" clean >/dev/null 2>&1 || true
	"${KMAKE[@]}" -C "$kdir" "$@" M="$tree/samples" \
		KBUILD_EXTRA_SYMBOLS="$tree/Module.symvers" modules >"$log" 2>&1 || rc=$?
	sed -i "s|$tree/||g" "$log"
	if [[ $rc -ne 0 || ! -f $ko ]] || grep -qi 'warning' "$log"; then
		result FAIL "sample build as README.md documents $kver"
		{ grep -i -A3 -e error -e warning "$log" || tail -n 20 "$log"; } | show
	else
		result PASS "sample build as README.md documents $kver"
	fi
}

# check_sparse OUT TREE KVER LOG [MAKEARGS...] - sparse (make C=2) on every
# source file: no report passes; a kernel whose Makefile finds Debian's
# sparse too old for it (7.x) gives a SKIP
check_sparse()
{
	local out=$1 tree=$2 kver=$3 log=$4

	shift 4
	"${KMAKE[@]}" -C "$out" "$@" M="$tree" C=2 -j"$(nproc)" modules >"$log" 2>&1 || true
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

# stat_value FILE NAME - print the value of the line "NAME value" of FILE
stat_value()
{
	awk -v n="$2" '$1 == n { print $2; f = 1; exit } END { exit !f }' "$1" 2>/dev/null
}
