#!/bin/bash
# tools/check.sh - "make check": build zalloc with W=1, run checkpatch, and load
# it with its KUnit and sample modules in UML, for each kernel target.
#
# usage: tools/check.sh
# Targets are "KIND:VERSION" words in $ZALLOC_TARGETS (default "uml:6.1 uml:newest");
# KIND names a function target_KIND. $ZALLOC_UML_TIMEOUT (default 600) bounds
# each UML boot, in seconds. Each check prints PASS, FAIL or SKIP and its name;
# every KUnit case is one check. The last line is "N passed, N failed"
# (", N skipped" when some were), and the exit status is 1 when any failed.
# Logs go to a run dir under ${ZALLOC_CACHE:-/var/cache/zalloc}/runs/.
#
# The module tree is this checkout (tracked and untracked non-ignored files),
# copied for each kernel into the run dir (RUN/uml-KVER/tree) and built there
# with one "make M=... modules"; it must give zalloc.ko and
# kunit/zalloc_kunit.ko, and may give samples/zalloc_example.ko.
set -euo pipefail

# shellcheck source=tools/common.sh
. "$(dirname "$0")/common.sh"

TARGETS=${ZALLOC_TARGETS:-uml:6.1 uml:newest}
UML_TIMEOUT=${ZALLOC_UML_TIMEOUT:-600}
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
	'Call Trace'
)

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

# check_build OUT TREE KVER LOG - build the module tree TREE against OUT with W=1
check_build()
{
	local out=$1 tree=$2 kver=$3 log=$4 rc=0

	log "$kver: building modules in $tree"
	make -C "$out" ARCH=um M="$tree" W=1 -j"$(nproc)" modules >"$log" 2>&1 || rc=$?
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

# check_kunit KVER DIR - one check per KUnit case in the kernel log of DIR
check_kunit()
{
	local kver=$1 dir=$2 log=$2/dmesg.log st name n=0

	[[ -s $log ]] || log=$dir/console.log
	while IFS=$'\t' read -r st name; do
		if [[ $st == "#" ]]; then
			show <<<"${name//$RUN_DIR\/*\/tree\//}"
			continue
		fi
		result "$st" "kunit $kver $name"
		n=$((n + 1))
	done < <(ktap_results "$log")
	if [[ $n -eq 0 ]]; then
		result FAIL "kunit $kver (no zalloc KTAP in ${log##*/})"
	fi
}

# after_marker FILE - print FILE from uml-run.sh's "loading modules" line on
# (all of it when the line is missing): what the kernel logs while booting,
# before any of our modules is loaded, is not ours to judge.
after_marker()
{
	[[ -f $1 ]] || return 0
	if grep -q 'uml-run: loading modules' "$1"; then
		sed -n '/uml-run: loading modules/,$p' "$1"
	else
		cat "$1"
	fi
}

# bad_lines DIR - print the lines of the kernel log (or console) of DIR that
# match BAD_PATTERNS, each with the lines that follow it
bad_lines()
{
	local dir=$1 log=$1/dmesg.log

	[[ -s $log ]] || log=$dir/console.log
	# init.sh copies its own messages (INSMOD FAILED...) to the kernel log.
	after_marker "$log" | grep -F -A6 "${BAD_PATTERNS[@]/#/-e}" || true
}

# check_log KVER DIR - fail on any sign of a kernel bug, failed load or timeout
check_log()
{
	local kver=$1 dir=$2 rc bad

	rc=$(cat "$dir/exit-status" 2>/dev/null || echo missing)
	bad=$(bad_lines "$dir")
	if [[ $rc == 124 || $rc == 137 ]]; then
		result FAIL "log clean $kver"
		echo "UML timed out (exit status $rc)" | show
	elif [[ $rc != 0 || ! -e $dir/done ]]; then
		result FAIL "log clean $kver"
		echo "UML exit status $rc, init finished: $([[ -e $dir/done ]] && echo yes || echo no)" | show
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

# check_boot OUT TREE KVER DIR - load the modules in UML and judge the run
check_boot()
{
	local out=$1 tree=$2 kver=$3 dir=$4 m
	local -a mods=()

	if [[ ! -f $tree/zalloc.ko || ! -f $tree/kunit/zalloc_kunit.ko ]]; then
		result FAIL "kunit $kver (zalloc.ko or kunit/zalloc_kunit.ko not built)"
		result SKIP "log clean $kver"
		result SKIP "debugfs stats $kver"
		return
	fi
	for m in zalloc.ko kunit/zalloc_kunit.ko samples/zalloc_example.ko; do
		if [[ -f $tree/$m ]]; then
			mods+=("$tree/$m")
		fi
	done
	log "$kver: booting UML with ${mods[*]##*/}"
	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" "$out" "$dir" "${mods[@]}" || true
	check_kunit "$kver" "$dir"
	check_log "$kver" "$dir"
	check_debugfs "$kver" "$dir"
}

# target_uml VERSION - every check on the UML test kernel of VERSION
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
	check_build "$out" "$tree" "$kver" "$dir/build.log"
	check_boot "$out" "$tree" "$kver" "$dir/boot"
	log "$kver: done in $(elapsed "$start")"
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
	local t start=$SECONDS

	mkdir -p "$RUN_DIR"
	prune_runs
	log "logs in $RUN_DIR"
	for t in $TARGETS; do
		declare -F "target_${t%%:*}" >/dev/null || die "unknown target $t"
		"target_${t%%:*}" "${t#*:}"
	done
	log "all targets done in $(elapsed "$start")"
	summary
	((NFAIL == 0))
}

main "$@"
