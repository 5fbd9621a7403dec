# shellcheck shell=bash
# tools/testing/check-sanitizer.sh - the target uml-sanitizer of
# tools/testing/check.sh: fault injection, a planted leak for kmemleak and a use
# after free for KASAN, each in a UML boot of its own. Sourced by check.sh.

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

# suite_must_pass LABEL DIR SUITE - one check per case of the KUnit suite
# SUITE in the kernel log of DIR, each of which must pass: a skip fails,
# as the boot arms what the suite's cases need (kunit.py's reports in
# DIR/kunit-SUITE)
suite_must_pass()
{
	local label=$1 log=$2/dmesg.log suite=$3 st name n=0 bad=

	[[ -s $log ]] || log=$2/console.log
	while IFS=$'\t' read -r st name; do
		n=$((n + 1))
		if [[ $st == PASS ]]; then
			result PASS "kunit $label $name"
		else
			result FAIL "kunit $label $name ($st, must pass here)"
			bad=1
		fi
	done < <(ktap_results <(after_marker "$log") "$2/kunit-$suite" "^$suite\$")
	if [[ $n -eq 0 ]]; then
		result FAIL "kunit $label $suite (no KTAP in ${log##*/})"
	elif [[ -n $bad ]]; then
		ktap_report "$2/kunit-$suite" | show
	fi
}

# sanitizer_case LABEL DIR CASE - the KUnit case zalloc_sanitizer.CASE of the
# kernel log of DIR passed (one check; the suite's other cases skip there)
sanitizer_case()
{
	local label=$1 log=$2/dmesg.log name=zalloc_sanitizer.$3 st

	[[ -s $log ]] || log=$2/console.log
	st=$(ktap_results <(after_marker "$log") "$2/kunit" '^zalloc_sanitizer$' |
		awk -F'\t' -v n="$name" '$2 == n { print $1 }')
	if [[ $st == PASS ]]; then
		result PASS "kunit $label $name"
	else
		result FAIL "kunit $label $name (${st:-no result})"
		ktap_report "$2/kunit" | show
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
# passed, failures were injected, the mempool suite ran with every
# allocation of its fault case's thread failing and passed (no case may
# skip), zalloc's live objects are back to zero
# once the module is gone and its debug table is empty when it is removed,
# kmemleak reports nothing, the log is clean
check_faults()
{
	local out=$1 tree=$2 label=$3 dir=$4 live snippet

	snippet="ZS_MOD=$(squote "$tree/kunit/zalloc_sanitizer_kunit.ko")
ZS_MEMPOOL_MOD=$(squote "$tree/kunit/zalloc_mempool_kunit.ko")
ZS_PHASE=faults
ZS_PLANT=${ZALLOC_SANITIZER_PLANT:-0}
ZS_PROBABILITY=${ZALLOC_SANITIZER_PROBABILITY:-20}
. $(squote "$TOOLS_DIR/sanitizer-test.sh")"
	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" -a "$KMEMLEAK_ARGS" -x "$snippet" \
		"$out" "$dir" "$tree/zalloc.ko" >/dev/null 2>&1 || true
	sanitizer_case "$label" "$dir" zalloc_sanitizer_faults
	sanitizer_case "$label" "$dir" zalloc_sanitizer_nofail_falls_back
	check_fault_figures "$label" "$dir"
	suite_must_pass "$label" "$dir" zalloc_mempool
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

# Kernel arguments of the boots whose kmemleak reports are judged. kmemleak
# takes any word in scanned memory that points into an object for a
# reference, stale ones included, so that a planted leak must leave none:
# - 7.x's SLUB hands objects out of per-CPU sheaves, arrays of object
#   pointers that kmemleak scans; the slot of an object handed out keeps its
#   pointer (seen: zalloc's planted 64 B and 1 KiB debug-mode objects). A
#   cache with a debug flag has no sheaves: slub_debug=U (store the
#   allocating and freeing user) for all.
# - A free object holds the free-list pointer to the next one in its middle
#   (these kernels have no SLAB_FREELIST_HARDENED to mangle it), and a live
#   object keeps it, and whatever else its memory held before, wherever its
#   owner did not write: seen, the middle word of the object allocated just
#   before the planted one, and a kmalloc-16 string over an old pointer into
#   the planted object's slab, each hiding the planted kmalloc() object
#   (1 run in 17). init_on_alloc=1 (Debian's default) zeroes every object
#   as it is handed out, the free-list pointer and old contents with it.
#   (init_on_free=1 does too, but makes this KASAN kernel report falsely
#   at boot, which silences KASAN for the rest of the boot.)
KMEMLEAK_ARGS="slub_debug=U init_on_alloc=1"

# The size kmemleak gives the planted extended-pool object (700 bytes, in
# the class of 768), which zalloc registers itself; the planted debug-mode
# objects are SLUB's (64 bytes, and 1000 bytes from kmalloc-1024).
LEAK_EXT_SIZE=768

# check_planted N WANT WHAT BLOCKS - the check "kmemleak reports WHAT": N
# reports with the planting function in their backtrace, of WANT planted;
# BLOCKS is the whole report, shown on a failure
check_planted()
{
	if [[ $1 == "$2" ]]; then
		result PASS "kmemleak reports $3"
	else
		result FAIL "kmemleak reports $3"
		echo "$1 reported with zalloc_sanitizer_plant_leak in the backtrace, want $2" | show
		cut -c1-400 <<<"$4" | show
	fi
}

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
	sanitizer_case "$label" "$dir" zalloc_sanitizer_switch_keeps_kmemleak
	blocks=$(kmemleak_blocks "$dir/kmemleak" "$(sanitizer_text "$dir")" \
		"$tree/kunit/zalloc_sanitizer_kunit.ko")
	planted=$(grep 'zalloc_sanitizer_plant_leak' <<<"$blocks" || true)
	other=$(grep -v 'zalloc_sanitizer_plant_leak' <<<"$blocks" | grep . || true)
	n=$(grep -c "(size $LEAK_EXT_SIZE):" <<<"$planted" || true)
	check_planted "$n" 1 "the planted extended-pool object (debug=0) $label" "$blocks"
	n=$(grep -v "(size $LEAK_EXT_SIZE):" <<<"$planted" | grep -c . || true)
	check_planted "$n" 2 "the 2 planted debug-mode objects $label" "$blocks"
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

# The suites of the allocation family that check_suites runs.
FAMILY_SUITES="family rcu mempool numa"

# check_suites OUT TREE LABEL DIR - the allocation family's suites
# (FAMILY_SUITES) under KASAN and kmemleak, in normal mode (debug=0: their
# cases check what the magazines and backends do), in a boot of their own
# with the leak boots' arguments: every case passes but those that need
# fault injection (the fault boot runs them) or a second node (the QEMU
# target's), and the log is clean (no KASAN report, no WARNING)
check_suites()
{
	local out=$1 tree=$2 label=$3 dir=$4 s
	local -a mods=("$tree/zalloc.ko")

	for s in $FAMILY_SUITES; do
		mods+=("$tree/kunit/zalloc_${s}_kunit.ko")
	done
	"$TOOLS_DIR/uml-run.sh" -t "$UML_TIMEOUT" -a "$KMEMLEAK_ARGS" -p zalloc=debug=0 \
		"$out" "$dir" "${mods[@]}" >/dev/null 2>&1 || true
	check_kunit "$label" "$dir" "\\.($FAULT_CASES|$NUMA_CASES)(\\..*)?\$"
	check_log "$label family suites" "$dir"
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
	local start=$SECONDS label tree

	kernel_target uml-sanitizer "$1" %s-sanitizer uml-%s-sanitizer um || return 0
	label=$KT_LABEL tree=$KT_TREE
	if [[ ! -f $tree/zalloc.ko || ! -f $tree/kunit/zalloc_sanitizer_kunit.ko ]]; then
		result FAIL "sanitizer boots $label (zalloc.ko or zalloc_sanitizer_kunit.ko not built)"
		return
	fi
	check_faults "$KT_OUT" "$tree" "$label" "$KT_DIR/faults"
	check_leak "$KT_OUT" "$tree" "$label" "$KT_DIR/leak"
	check_uaf "$KT_OUT" "$tree" "$label" "$KT_DIR/uaf"
	check_suites "$KT_OUT" "$tree" "$label" "$KT_DIR/suites"
	log "$label: done in $(elapsed "$start")"
}
