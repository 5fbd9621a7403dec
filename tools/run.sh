#!/bin/bash
# tools/run.sh - "make run": load zalloc and its example workload in UML on the
# newest kernel, then print the example's summary line and zalloc's debugfs
# stats and pools. Builds the kernel and the modules first when missing.
#
# usage: tools/run.sh
# ZALLOC_RUN_KERNEL=uml-bench (default, no debug options) or uml (test kernel).
set -euo pipefail

# shellcheck source=tools/common.sh
. "$(dirname "$0")/common.sh"

KIND=${ZALLOC_RUN_KERNEL:-uml-bench}
RUN_DIR=$ZALLOC_CACHE/runs/run-$(date +%Y%m%d-%H%M%S)-$$

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

# report DIR - print the example's summary line and the debugfs files
report()
{
	local dir=$1 f line

	line=$(sed -n 's/^\[[^]]*\] //; /^zalloc_example:/p' "$dir/dmesg.log" | tail -n1)
	[[ -n $line ]] || die "no zalloc_example: line in $dir/dmesg.log"
	echo "$line"
	for f in stats pools; do
		echo
		echo "== /sys/kernel/debug/zalloc/$f =="
		if [[ -s $dir/$f ]]; then
			cat "$dir/$f"
		else
			echo "(missing)"
		fi
	done
}

main()
{
	local out tree m
	local -a mods=()

	mkdir -p "$RUN_DIR"
	out=$("$TOOLS_DIR/kernel.sh" "$KIND" newest)
	tree=$RUN_DIR/tree
	copy_tree "$TOP_DIR" "$tree"
	build_modules "$out" "$tree"
	for m in zalloc.ko samples/zalloc_example.ko; do
		[[ -f $tree/$m ]] || die "$m was not built"
		mods+=("$tree/$m")
	done
	"$TOOLS_DIR/uml-run.sh" "$out" "$RUN_DIR/boot" "${mods[@]}"
	report "$RUN_DIR/boot"
	log "logs in $RUN_DIR"
}

main "$@"
