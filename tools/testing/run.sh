#!/bin/bash
# tools/testing/run.sh - "make run": the benchmark report, on three UML
# kernels built without debug options (tools/testing/kernel.sh uml-bench*):
#   6.1:up61     Debian 12's kernel, one CPU (6.1's UML cannot preempt)
#   newest:up    the newest Debian kernel, CONFIG_PREEMPT, one CPU
#   newest:smp   the same with SMP, booted with two CPUs (ncpus=2
#                seccomp=on: two host threads): the parallel and cross-CPU
#                rows; its interrupt disabling and page allocator are slow
# For each, loads zalloc, its example workload, zalloc_bench.ko and
# zalloc_footprint.ko, which measure and write raw rows; bench-report.py
# turns them into the table and the target lines of that kernel's profile.
# Prints those and zalloc's debugfs stats and pools.
# Writes the rows as CSV, a PNG plot of the hot pairs (ns against size, log
# scales) and a Markdown summary per kernel to bench/results/. Ends with the
# cost of the tracepoints while off, on the first kernel (trace-cost.sh).
#
# usage: tools/testing/run.sh
# ZALLOC_RUN_KERNELS  VERSION:PROFILE words to run (default "6.1:up61
#                     newest:up newest:smp")
# ZALLOC_BENCH_ARGS   extra zalloc_bench parameters (e.g. "loops=50000")
# Only ratios within one run mean anything: see bench/zalloc_bench_main.c.
set -euo pipefail

# shellcheck source=tools/testing/common.sh
. "$(dirname "$0")/common.sh"

KERNELS=${ZALLOC_RUN_KERNELS:-6.1:up61 newest:up newest:smp}
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

# report KVER PROF DIR NAME - print the example's line, the benchmark's table
# and target lines (tools/testing/bench-report.py judges the raw rows), and
# the debugfs files; write NAME.csv and NAME.md to the results
report()
{
	local kver=$1 prof=$2 dir=$3 name=$4 f

	echo "=== UML, Linux $kver ($prof), $(date -u +%Y-%m-%d) ==="
	sed -n 's/^\[[^]]*\] //; /^zalloc_example:/p' "$dir/dmesg.log"
	sed -n 's/^\[[^]]*\] //; s/^zalloc_footprint: //p' "$dir/dmesg.log"
	python3 "$TOOLS_DIR/bench-report.py" --profile "$prof" \
		--title "Linux $kver ($prof, UML), measured $(date -u +%Y-%m-%d)" \
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

# run_one VERSION PROFILE - build, boot and report one kernel
run_one()
{
	local ver=$1 prof=$2 kind=uml-bench args="" out tree kver dir name

	case $prof in
	up61) ;;
	up) kind=uml-bench-preempt ;;
	smp) kind=uml-bench-smp args="ncpus=2 seccomp=on" ;;
	*) die "unknown profile $prof" ;;
	esac
	out=$("$TOOLS_DIR/kernel.sh" "$kind" "$ver")
	kver=$("$TOOLS_DIR/kernel.sh" version "$ver")
	name=uml-$kver-$prof
	tree=$RUN_DIR/tree-$name
	dir=$RUN_DIR/boot-$name
	copy_tree "$TOP_DIR" "$tree"
	build_modules "$out" "$tree"
	# shellcheck disable=SC2016 # $out is the guest init script's variable
	"$TOOLS_DIR/uml-run.sh" -t 1800 -a "$args" \
		-p "zalloc_bench=${ZALLOC_BENCH_ARGS:-}" \
		-x 'cat /sys/kernel/debug/zalloc/bench >"$out/bench.csv"
		    cat /sys/kernel/debug/zalloc/footprint >"$out/footprint.csv"' \
		"$out" "$dir" "$tree/zalloc.ko" "$tree/samples/zalloc_example.ko" \
		"$tree/bench/zalloc_bench.ko" "$tree/bench/zalloc_footprint.ko"
	[[ -s $dir/bench.csv ]] || die "no benchmark output in $dir"
	[[ -s $dir/footprint.csv ]] || die "no footprint output in $dir"
	mkdir -p "$RESULTS"
	cp "$dir/footprint.csv" "$RESULTS/$name-footprint.csv"
	report "$kver" "$prof" "$dir" "$name"
	plot "$kver ($prof)" "$RESULTS/$name.csv" "$RESULTS/$name.png"
}

main()
{
	local k

	mkdir -p "$RUN_DIR"
	for k in $KERNELS; do
		run_one "${k%%:*}" "${k#*:}"
	done
	k=${KERNELS%% *}
	"$TOOLS_DIR/trace-cost.sh" "${k%%:*}" "$RUN_DIR"
	log "CSV, plots and summaries in $RESULTS; logs in $RUN_DIR"
}

main "$@"
