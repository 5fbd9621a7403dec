# shellcheck shell=sh
# tools/testing/sanitizer-test.sh - the guest half of make check's sanitizer
# target (UML with KASAN, kmemleak, failslab and fail_page_alloc). Sourced
# (busybox sh) by the init script of tools/testing/uml-run.sh after
# zalloc.ko is loaded; uses its "log", "$bb" and "$out", and:
#   ZS_MOD    the path of kunit/zalloc_sanitizer_kunit.ko
#   ZS_MEMPOOL_MOD  the path of kunit/zalloc_mempool_kunit.ko (faults
#             phase): loaded after the sanitizer module with failslab and
#             fail_page_alloc failing every allocation of the threads that
#             mark themselves (its case zalloc_mempool_faults does)
#   ZS_PHASE  faults: the allocation loop with failslab and fail_page_alloc
#                     failing a share of its allocations (task-filter: only
#                     the case's thread, which marks itself), then zalloc's
#                     stats and a kmemleak report, saved to $out/stats-after
#                     and $out/kmemleak
#             leak:   the planted leak, then the kmemleak report
# ZS_PLANT=1 adds a planted leak to the faults phase (to show that its
# checks fail). The sanitizer module is loaded and removed here, so that
# kmemleak scans after it is gone.

bb=${bb:-/bin/busybox}
# shellcheck disable=SC2154 # $out is set by the init script
zs_out=$out
dbg=/sys/kernel/debug
# The share of the marked thread's allocations that fail, in percent.
ZS_PROBABILITY=${ZS_PROBABILITY:-20}

# fi_set DIR PROBABILITY - arm (or, with 0, disarm) the fault attribute DIR
fi_set()
{
	echo 0 >"$1/verbose"
	echo Y >"$1/task-filter"
	echo 1 >"$1/interval"
	echo -1 >"$1/times"
	echo N >"$1/ignore-gfp-wait"
	echo "$2" >"$1/probability"
}

# kmemleak_report FILE - scan four times, a second apart, at least 5 s
# after the module went (kmemleak reports only objects older than 5 s, and
# only once their checksum held still between two scans), and save what it
# reports. The stale pointers that made it miss a planted object now and
# then do not go away with more scans: the boot's init_on_alloc=1 wipes them
# (see KMEMLEAK_ARGS in tools/testing/check-sanitizer.sh).
kmemleak_report()
{
	$bb sleep 6
	for _ in 1 2 3 4; do
		echo scan >"$dbg/kmemleak"
		$bb sleep 1
	done
	$bb cat "$dbg/kmemleak" >"$1"
}

# save_text - save where the module's .text is, for the host to name the
# addresses in kmemleak's backtraces once the module is gone
save_text()
{
	$bb cat /sys/module/zalloc_sanitizer_kunit/sections/.text \
		>"$zs_out/sanitizer-text"
}

case $ZS_PHASE in
faults)
	echo N >"$dbg/fail_page_alloc/ignore-gfp-highmem"
	echo 0 >"$dbg/fail_page_alloc/min-order"
	fi_set "$dbg/failslab" "$ZS_PROBABILITY"
	fi_set "$dbg/fail_page_alloc" "$ZS_PROBABILITY"
	if [ "${ZS_PLANT:-0}" = 1 ]; then
		set -- faults=1 plant_leak=1
	else
		set -- faults=1
	fi
	$bb insmod "$ZS_MOD" "$@" || log "INSMOD FAILED zalloc_sanitizer_kunit"
	save_text
	fi_set "$dbg/failslab" 0
	fi_set "$dbg/fail_page_alloc" 0
	# Loaded before any module is removed: on this UML kernel a module
	# loaded where a removed one was meets its stale KASAN redzones
	# (seen: a false "global-out-of-bounds" as insmod read the file).
	if [ -n "${ZS_MEMPOOL_MOD:-}" ]; then
		fi_set "$dbg/failslab" 100
		fi_set "$dbg/fail_page_alloc" 100
		$bb insmod "$ZS_MEMPOOL_MOD" ||
			log "INSMOD FAILED zalloc_mempool_kunit"
		fi_set "$dbg/failslab" 0
		fi_set "$dbg/fail_page_alloc" 0
	fi
	$bb rmmod zalloc_sanitizer_kunit || log "RMMOD FAILED zalloc_sanitizer_kunit"
	if [ -n "${ZS_MEMPOOL_MOD:-}" ]; then
		$bb rmmod zalloc_mempool_kunit ||
			log "RMMOD FAILED zalloc_mempool_kunit"
	fi
	$bb cat "$dbg/zalloc/stats" >"$zs_out/stats-after"
	kmemleak_report "$zs_out/kmemleak"
	;;
leak)
	$bb insmod "$ZS_MOD" plant_leak=1 || log "INSMOD FAILED zalloc_sanitizer_kunit"
	save_text
	$bb rmmod zalloc_sanitizer_kunit || log "RMMOD FAILED zalloc_sanitizer_kunit"
	kmemleak_report "$zs_out/kmemleak"
	# zalloc is removed next, with the planted objects: forget them.
	echo clear >"$dbg/kmemleak"
	;;
*)
	log "sanitizer-test: unknown ZS_PHASE '$ZS_PHASE'"
	;;
esac
