#!/bin/bash
# tools/testing/check.sh - "make check": build zalloc with W=1, run checkpatch, and load
# it with its KUnit and sample modules in UML and in QEMU, for each kernel target.
#
# usage: tools/testing/check.sh
# Targets are "KIND:VERSION" words in $ZALLOC_TARGETS (default "uml:6.1
# uml:6.12 uml:newest uml-smp:newest uml-sanitizer:newest qemu:newest
# stock:amd64 debian:7.3 dkms:amd64"); KIND names a function target_KIND:
#   uml:VERSION    UML test kernel of tools/testing/kernel.sh (6.1, 6.12 for
#                  Debian 13, newest): checkpatch against its tree, W=1 build,
#                  KUnit (no case may skip but the two that need a second
#                  CPU or CPU hotplug), log and debugfs checks, the user-space
#                  interfaces, zalloc removed while its parameters are
#                  written (tools/testing/unload-test.sh), zallocstat and
#                  the tracepoints (tools/testing/tools-test.sh)
#   uml-smp:VERSION  the UML test kernel with SMP and preemption (7.x on),
#                  booted with two CPUs: W=1 build, KUnit with the SMP suite
#                  zalloc_smp (no case may skip but CPU hotplug), log and debugfs,
#                  zalloc removed while its parameters are written, and the
#                  memory cgroup check (tools/testing/memcg-test.sh:
#                  GFP_KERNEL_ACCOUNT through zalloc charged to the caller's
#                  group as through kmalloc, and refused at memory.max)
#   uml-sanitizer:VERSION  the UML test kernel with KASAN, kmemleak, failslab
#                  and fail_page_alloc (7.x on): W=1 build, and the cases of
#                  kunit/zalloc_sanitizer_kunit.c in three boots: fault
#                  injection (NULL returned, nothing leaked), a planted leak
#                  that kmemleak must report, a use after free that KASAN must
#                  report (tools/testing/sanitizer-test.sh)
#   qemu:VERSION   x86_64 test kernel (tools/testing/kernel.sh x86_64) in QEMU -smp 2:
#                  W=1 build, the sample built alone as README.md documents,
#                  KUnit (with the SMP suite; no case may skip), log and
#                  debugfs checks
#   stock:FLAVOUR  Debian's stock kernel (linux-image-FLAVOUR, or a release such
#                  as 6.1.0-56-amd64) in QEMU -smp 2: W=1 build against its
#                  headers, the sample built as documented, zalloc's stats
#                  while the sample is loaded and after it is removed, and a
#                  log with nothing but the expected taint lines
#   debian:SERIES  Debian 13's own amd64 kernel binary of SERIES (7.3: the
#                  newest 7.3.Z in trixie-backports, linux-binary-7.3.Z+deb13-amd64;
#                  or X.Y.Z, or newest) in QEMU -smp 2, as stock: W=1 build
#                  against its linux-headers package (in a Debian 13 system
#                  made with debootstrap in the cache: their gcc-14 and kbuild
#                  tools do not run on Debian 12), the sample built as
#                  documented, stats, expected log lines only; its config has
#                  no KUnit ("# CONFIG_KUNIT is not set" in 7.3), so the KUnit
#                  suites cannot run there: one SKIP says so
#   dkms:FLAVOUR   the same kernel with zalloc.ko as Debian's dkms builds,
#                  signs and installs it (in trees of the run, not the
#                  system's), the example built against it; and "make install"
# $ZALLOC_UML_TIMEOUT (default 600) and $ZALLOC_QEMU_TIMEOUT (default 900)
# bound each boot, in seconds. Each check prints PASS, FAIL or SKIP and its
# name; every KUnit case is one check, and so is every case of the KTAP that
# the guest scripts iface-test.sh, unload-test.sh, tools-test.sh and memcg-test.sh write: all KTAP is parsed
# by the kernel's tools/testing/kunit/kunit.py, of the newest kernel source.
# Before the targets, that source's scripts/kernel-doc checks every kernel
# source file (one check each: no warning, every export documented).
# Each target's counts are logged on stderr. The last line is "N passed, N
# failed" (", N skipped" when some were), and the exit status is 1 when any
# failed. Logs go to a run dir under ${ZALLOC_CACHE:-/var/cache/zalloc}/runs/.
# QEMU emulates: its run times are no performance figures.
#
# The targets' functions are in tools/testing/check-uml.sh (uml, uml-smp),
# check-sanitizer.sh and check-qemu.sh (qemu, stock, debian, dkms); the
# checks that several share are in check-lib.sh. This file counts and prints
# the results.
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
# The checks, by the targets that run them: check-lib.sh those that several
# share (build, checkpatch, sparse, KUnit, logs), then a file per target kind.
# shellcheck source=tools/testing/check-lib.sh
. "$TOOLS_DIR/check-lib.sh"
# shellcheck source=tools/testing/check-uml.sh
. "$TOOLS_DIR/check-uml.sh"
# shellcheck source=tools/testing/check-sanitizer.sh
. "$TOOLS_DIR/check-sanitizer.sh"
# shellcheck source=tools/testing/check-qemu.sh
. "$TOOLS_DIR/check-qemu.sh"

TARGETS=${ZALLOC_TARGETS:-uml:6.1 uml:6.12 uml:newest uml-smp:newest uml-sanitizer:newest qemu:newest stock:amd64 debian:7.3 dkms:amd64}
UML_TIMEOUT=${ZALLOC_UML_TIMEOUT:-600}
QEMU_TIMEOUT=${ZALLOC_QEMU_TIMEOUT:-900}
KEEP_RUNS=10
RUN_DIR=$ZALLOC_CACHE/runs/$(date +%Y%m%d-%H%M%S)-$$
NPASS=0
NFAIL=0
NSKIP=0
# The kernel's KTAP parser, tools/testing/kunit/kunit.py (see kunit_py).
KUNIT_PY=

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

# kunit_py - print the path of the kunit.py that parses every KTAP document
# of the run: that of the newest kernel source (kernel.sh unpacks it, and
# downloads it on a cold cache). One parser for all targets; the newest reads
# the KTAP of every older kernel, and its JSON report counts the crashes and
# missing results below each suite.
kunit_py()
{
	local src

	src=$("$TOOLS_DIR/kernel.sh" src newest) || return 1
	[[ -f $src/tools/testing/kunit/kunit.py ]] || return 1
	echo "$src/tools/testing/kunit/kunit.py"
}

# needs_kunit_py - some target of TARGETS reads KTAP (all but stock, debian
# and dkms)
needs_kunit_py()
{
	local t

	for t in $TARGETS; do
		case ${t%%:*} in
		stock | debian | dkms) ;;
		*) return 0 ;;
		esac
	done
	return 1
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
	if needs_kunit_py; then
		KUNIT_PY=$(kunit_py) || die "no tools/testing/kunit/kunit.py in the newest kernel source"
		log "KTAP parser: $KUNIT_PY"
		check_kernel_doc "${KUNIT_PY%/tools/testing/kunit/kunit.py}" "$RUN_DIR"
	fi
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
