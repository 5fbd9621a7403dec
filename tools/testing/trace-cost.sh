#!/bin/bash
# tools/testing/trace-cost.sh - what zalloc's tracepoints and its profiling
# hooks cost while they are off. Builds zalloc three times for the UML bench
# kernel of VERSION: as shipped, with the tracepoints compiled out
# (ZALLOC_NO_TRACEPOINTS=y) and with the profiling hooks compiled out
# (ZALLOC_NO_PROFILE=y); boots each BOOTS times, taking turns, with
# bench/zalloc_bench.ko running its hot pairs only (run_mask=2); the
# fastest zalloc time of each size counts. Prints two lines:
#   tracepoints off vs compiled out: X.XXx (...)
#   profile off vs compiled out: X.XXx (...)
# the geometric mean over SIZES of the ratio of the times (1.00x: no cost;
# above 1: slower with the tracepoints or hooks compiled in but off).
#
# usage: tools/testing/trace-cost.sh VERSION RUNDIR
# ZALLOC_TRACE_COST_BOOTS  boots of each build (default 3)
set -euo pipefail

# shellcheck source=tools/testing/common.sh
. "$(dirname "$0")/common.sh"

SIZES="8 64 256 512 4096 16384 65536"
BOOTS=${ZALLOC_TRACE_COST_BOOTS:-3}

# build OUT TREE MAKEARG... - build the module tree TREE against OUT
build()
{
	local out=$1 tree=$2

	shift 2
	make -C "$out" ARCH=um M="$tree" -j"$(nproc)" "$@" modules \
		>"$tree.build.log" 2>&1 || die "module build failed, see $tree.build.log"
}

main()
{
	local ver=${1:-} dir=${2:-} out kver b i boot
	local -a args

	[[ -n $ver && -n $dir ]] || die "usage: $PROG VERSION RUNDIR"
	dir=$dir/trace-cost
	mkdir -p "$dir"
	out=$("$TOOLS_DIR/kernel.sh" uml-bench "$ver")
	kver=$("$TOOLS_DIR/kernel.sh" version "$ver")
	for b in on off noprof; do
		copy_tree "$TOP_DIR" "$dir/tree-$b"
		args=()
		[[ $b == off ]] && args=(ZALLOC_NO_TRACEPOINTS=y)
		[[ $b == noprof ]] && args=(ZALLOC_NO_PROFILE=y)
		build "$out" "$dir/tree-$b" "${args[@]}"
	done
	log "timing hot pairs with the tracepoints and profiling off and compiled out, $BOOTS boots each"
	: >"$dir/hot.txt"
	for ((i = 0; i < BOOTS; i++)); do
		for b in on off noprof; do
			boot=$dir/boot-$b-$i
			# shellcheck disable=SC2016 # $out is the guest init script's
			"$TOOLS_DIR/uml-run.sh" -k -t 600 -p 'zalloc_bench=run_mask=2' \
				-x 'cat /sys/kernel/debug/zalloc/bench >"$out/bench.csv"' \
				"$out" "$boot" "$dir/tree-$b/zalloc.ko" \
				"$dir/tree-$b/bench/zalloc_bench.ko" >/dev/null 2>&1 ||
				die "benchmark boot failed, see $boot"
			awk -F, -v b="$b" '$1 == "hot" { print b, $3, $4 }' \
				"$boot/bench.csv" >>"$dir/hot.txt"
		done
	done
	awk -v sizes="$SIZES" -v kver="$kver" -v boots="$BOOTS" '
	{
		k = $1 " " $2
		if (!(k in best) || $3 + 0 < best[k])
			best[k] = $3 + 0
	}
	# line WHAT BUILD - the shipped build against BUILD, as one line
	function line(what, build,   i, n, on, off, sum, used, s) {
		n = split(sizes, s, " ")
		for (i = 1; i <= n; i++) {
			on = best["on " s[i]]
			off = best[build " " s[i]]
			if (on <= 0 || off <= 0)
				continue
			sum += log(on / off)
			used++
		}
		if (!used) {
			print what " off vs compiled out: no hot-pair rows"
			return 1
		}
		printf "%s off vs compiled out: %.2fx (geometric mean of %d hot-pair sizes, fastest of %d boots each, UML Linux %s)\n",
			what, exp(sum / used), used, boots, kver
		return 0
	}
	END {
		bad = line("tracepoints", "off")
		bad += line("profile", "noprof")
		exit bad != 0
	}' "$dir/hot.txt"
}

main "$@"
