#!/bin/bash
# tools/testing/run.sh - "make run": the benchmark report, on UML kernels
# built as Debian builds its kernels' allocator (tools/testing/kernel.sh
# uml-bench and uml-bench-smp: zeroing on allocation by default, hardened
# and randomised slab free lists, memory cgroups, usercopy hardening, slab
# buckets where the kernel has them, a preempt count where UML can have
# one; kconfig/uml-bench.config says what UML cannot have), without debug
# options. The kernels, as VERSION:PROFILE words:
#   6.1:up61     Debian 12's kernel, one CPU (6.1's UML cannot preempt)
#   6.12:up612   Debian 13's kernel, one CPU, CONFIG_PREEMPT
#   newest:up    the newest Debian kernel, one CPU, CONFIG_PREEMPT
#   newest:smp   the same with SMP, booted with two CPUs (ncpus=2
#                seccomp=on: two host threads): the parallel and cross-CPU
#                rows; its interrupt disabling and page allocator are slow
# The profile picks the kernel (smp: uml-bench-smp, the others uml-bench)
# and the limits of bench-report.py's targets.
# Each kernel is booted once per boot word:
#   zero         its defaults: every allocation zeroed (init_on_alloc on,
#                Debian's default)
#   nozero       with init_on_alloc=0 on the command line, as
#                performance-tuned machines boot
# Each boot's kernel log must say that heap zeroing is on or off as asked.
# Each boot loads zalloc, its example workload, zalloc_bench.ko and
# zalloc_footprint.ko, which measure and write raw rows; bench-report.py
# turns them into the table and the target lines of that kernel's profile
# and boot. Prints those, the kernel's Debian options as its .config has
# them, and zalloc's debugfs stats and pools.
# Writes the rows as CSV, a PNG plot of the hot pairs (ns against size, log
# scales) and a Markdown summary per kernel and boot to bench/results/
# (uml-KVER-PROFILE-BOOT.*). Ends with the cost of the tracepoints while
# off, on the first kernel booted with its defaults (trace-cost.sh).
#
# usage: tools/testing/run.sh
# ZALLOC_RUN_KERNELS  VERSION:PROFILE words to run (default "6.1:up61
#                     6.12:up612 newest:up newest:smp")
# ZALLOC_RUN_BOOTS    boot words to run on each (default "zero nozero")
# ZALLOC_BENCH_ARGS   extra zalloc_bench parameters (e.g. "loops=50000")
# Only ratios within one run mean anything: see bench/zalloc_bench_main.c.
set -euo pipefail

# shellcheck source=tools/testing/common.sh
. "$(dirname "$0")/common.sh"

KERNELS=${ZALLOC_RUN_KERNELS:-6.1:up61 6.12:up612 newest:up newest:smp}
BOOTS=${ZALLOC_RUN_BOOTS:-zero nozero}
# Debian's allocator options (and the preemption and SMP options that shape
# what they cost), printed as each bench kernel's .config has them.
DEBIAN_OPTIONS="INIT_ON_ALLOC_DEFAULT_ON SLAB_FREELIST_HARDENED
SLAB_FREELIST_RANDOM MEMCG HARDENED_USERCOPY HARDENED_USERCOPY_DEFAULT_ON
SLAB_BUCKETS FORTIFY_SOURCE KFENCE PREEMPT PREEMPT_LAZY PREEMPT_DYNAMIC SMP"
RUN_DIR=$ZALLOC_CACHE/runs/run-$(date +%Y%m%d-%H%M%S)-$$
RESULTS=$TOP_DIR/bench/results

# build_modules OUT TREE - build the module tree TREE against the kernel in OUT
build_modules()
{
	local out=$1 tree=$2 log=$RUN_DIR/build.log

	log "building modules in $tree"
	if ! make -C "$out" ARCH=um M="$tree" -j"$(nproc)" modules >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "module build failed, see $log"
	fi
}

# boot_words BOOT - print a boot word's description, for titles
boot_words()
{
	case $1 in
	zero) echo "zeroing on, as Debian ships" ;;
	nozero) echo "zeroing off, init_on_alloc=0" ;;
	esac
}

# kernel_options OUT - print which of DEBIAN_OPTIONS the .config of the
# kernel in OUT sets, and which it does not
kernel_options()
{
	local out=$1 o set="" unset=""

	for o in $DEBIAN_OPTIONS; do
		if grep -qx "CONFIG_$o=y" "$out/.config"; then
			set+=" $o"
		else
			unset+=" $o"
		fi
	done
	echo "kernel options set:${set:- none}; not set:${unset:- none}"
}

# report KVER PROF BOOT OUT DIR NAME - print the example's line, the
# benchmark's table and target lines (tools/testing/bench-report.py judges
# the raw rows), and the debugfs files; write NAME.csv and NAME.md to the
# results
report()
{
	local kver=$1 prof=$2 boot=$3 out=$4 dir=$5 name=$6 f opts what

	opts=$(kernel_options "$out")
	what="$prof, $(boot_words "$boot")"
	echo "=== UML, Linux $kver ($what), $(date -u +%Y-%m-%d) ==="
	echo "$opts"
	sed -n 's/^\[[^]]*\] //; /^zalloc_example:/p' "$dir/dmesg.log"
	sed -n 's/^\[[^]]*\] //; s/^zalloc_footprint: //p' "$dir/dmesg.log"
	python3 "$TOOLS_DIR/bench-report.py" --profile "$prof" --boot "$boot" \
		--title "Linux $kver ($what, UML), measured $(date -u +%Y-%m-%d)" \
		--note "$opts" \
		--csv "$RESULTS/$name.csv" --md "$RESULTS/$name.md" \
		"$dir/bench.csv" "$dir/footprint.csv"
	for f in stats pools; do
		echo
		echo "== /sys/kernel/debug/zalloc/$f (after the benchmark) =="
		if [[ -s $dir/$f ]]; then
			cat "$dir/$f"
		else
			echo "(missing)"
		fi
	done
	echo
}

# plot KVER CSV PNG - ns per hot pair against size, log scales
plot()
{
	local kver=$1 csv=$2 png=$3 data

	data=$RUN_DIR/hot-${kver//[^0-9a-z.]/_}.dat
	# gnuplot's enhanced text reads "_" as a subscript
	kver=${kver//_/\\_}
	awk -F, '$1 == "hot" { print $3, $4, $5, $6, $8 }' "$csv" |
		sed 's/ - / NaN /g; s/ -$/ NaN/' >"$data"
	gnuplot <<-EOT
	set terminal png size 900,560
	set output '$png'
	set title 'Hot alloc+free pair, UML, Linux $kver (one run)'
	set xlabel 'object size (bytes)'
	set ylabel 'ns per pair'
	set logscale xy 2
	set yrange [0.5:*]
	set key top left
	set grid
	set datafile missing 'NaN'
	plot '$data' using 1:2 with linespoints title 'zalloc', \\
	     '' using 1:3 with linespoints title 'kmalloc', \\
	     '' using 1:4 with linespoints title 'kmem\\_cache', \\
	     '' using 1:5 with linespoints title 'floor (per-CPU array)'
	EOT
}

# check_zeroing BOOT DIR - die unless the kernel log in DIR says that heap
# zeroing on allocation is on (BOOT zero) or off (nozero): what the config
# and the command line asked for, so that no boot is mislabelled
check_zeroing()
{
	local boot=$1 dir=$2 want=on line

	[[ $boot == nozero ]] && want=off
	line=$(grep -m1 -o 'mem auto-init: stack:.*' "$dir/dmesg.log") ||
		die "no \"mem auto-init\" line in $dir/dmesg.log"
	[[ $line == *"heap alloc:$want"* ]] ||
		die "boot $boot wants heap alloc:$want, the kernel says: $line"
}

# run_boot KVER PROF BOOT OUT TREE ARGS - boot the kernel in OUT with the
# modules of TREE and the command-line ARGS of its profile, BOOT's way, and
# report
run_boot()
{
	local kver=$1 prof=$2 boot=$3 out=$4 tree=$5 args=$6 name dir

	[[ $boot == nozero ]] && args+=" init_on_alloc=0"
	name=uml-$kver-$prof-$boot
	dir=$RUN_DIR/boot-$name
	# shellcheck disable=SC2016 # $out is the guest init script's variable
	"$TOOLS_DIR/uml-run.sh" -k -t 1800 -a "$args" \
		-p "zalloc_bench=${ZALLOC_BENCH_ARGS:-}" \
		-x 'cat /sys/kernel/debug/zalloc/bench >"$out/bench.csv"
		    cat /sys/kernel/debug/zalloc/footprint >"$out/footprint.csv"' \
		"$out" "$dir" "$tree/zalloc.ko" "$tree/samples/zalloc_example.ko" \
		"$tree/bench/zalloc_bench.ko" "$tree/bench/zalloc_footprint.ko"
	[[ -s $dir/bench.csv ]] || die "no benchmark output in $dir"
	[[ -s $dir/footprint.csv ]] || die "no footprint output in $dir"
	check_zeroing "$boot" "$dir"
	mkdir -p "$RESULTS"
	cp "$dir/footprint.csv" "$RESULTS/$name-footprint.csv"
	report "$kver" "$prof" "$boot" "$out" "$dir" "$name"
	plot "$kver ($prof, $(boot_words "$boot"))" "$RESULTS/$name.csv" \
		"$RESULTS/$name.png"
}

# run_one VERSION PROFILE - build one kernel and zalloc's modules for it,
# then boot and report it once per boot word
run_one()
{
	local ver=$1 prof=$2 kind=uml-bench args="" out tree kver boot

	case $prof in
	up61 | up612 | up) ;;
	smp) kind=uml-bench-smp args="ncpus=2 seccomp=on" ;;
	*) die "unknown profile $prof" ;;
	esac
	out=$("$TOOLS_DIR/kernel.sh" "$kind" "$ver")
	kver=$("$TOOLS_DIR/kernel.sh" version "$ver")
	tree=$RUN_DIR/tree-uml-$kver-$prof
	copy_tree "$TOP_DIR" "$tree"
	build_modules "$out" "$tree"
	for boot in $BOOTS; do
		run_boot "$kver" "$prof" "$boot" "$out" "$tree" "$args"
	done
}

main()
{
	local k

	for k in $BOOTS; do
		[[ $k == zero || $k == nozero ]] || die "unknown boot word $k"
	done
	mkdir -p "$RUN_DIR"
	for k in $KERNELS; do
		run_one "${k%%:*}" "${k#*:}"
	done
	k=${KERNELS%% *}
	"$TOOLS_DIR/trace-cost.sh" "${k%%:*}" "$RUN_DIR"
	log "CSV, plots and summaries in $RESULTS; logs in $RUN_DIR"
}

main "$@"
