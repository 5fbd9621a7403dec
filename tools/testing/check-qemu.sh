# shellcheck shell=bash
# tools/testing/check-qemu.sh - the targets of tools/testing/check.sh that
# boot x86_64 kernels in QEMU: qemu (the x86_64 test kernel), stock (Debian's
# kernel), debian (Debian 13's kernel binaries) and dkms (zalloc.ko as
# Debian's dkms builds it). Sourced by check.sh.

# Kernel log lines expected after the first insmod on Debian's kernels;
# any other line fails its "log expected lines" check (extended regexps).
STOCK_EXPECTED=(
	'qemu-run: (loading modules|init done)$'
	'zalloc: loading out-of-tree module taints kernel\.$'
	'zalloc: module verification failed: signature and/or required key missing - tainting kernel$'
	'zalloc_example: [0-9]+ allocations of [0-9]+ sizes: 0 failed, 0 corrupted, [0-9]+ kept until unload$'
	'zalloc_example: ring grown from [0-9]+ to [0-9]+ descriptors: 0 wrong$'
	'zalloc_example: node queues: [0-9]+, on another node: 0; table entries replaced under RCU: [0-9]+, found wrong: 0$'
	# The kernel's own timekeeping, which may finish after init has
	# started under emulation (seen on Debian's 7.3, booted in 2 s:
	# "tsc: Refined TSC clocksource calibration", then "clocksource:
	# Switched to clocksource tsc"); it is not about any module.
	'^(tsc|clocksource): '
)

# The guest shell code of the stock target: stats while the sample is loaded,
# then without it (tools/testing/qemu-run.sh's "save" sends a file to the host).
# shellcheck disable=SC2016 # $bb is the guest's
STOCK_SNIPPET='save stats-loaded /sys/kernel/debug/zalloc/stats
$bb rmmod zalloc_example || log "RMMOD FAILED zalloc_example"
save stats-unloaded /sys/kernel/debug/zalloc/stats'

# target_qemu VERSION - the x86_64 test kernel of VERSION in QEMU with 2 CPUs
# on 2 NUMA nodes:
# W=1 build, the sample built as documented, KUnit (zalloc and zalloc_smp),
# log and debugfs checks. checkpatch runs in the uml targets.
target_qemu()
{
	local start=$SECONDS

	kernel_target x86_64 "$1" x86_64-%s qemu-%s x86_64 || return 0
	check_sample_build "$KT_OUT" "$KT_TREE" "$KT_LABEL" "$KT_DIR/sample-build.log" \
		ARCH=x86_64
	# zalloc_init's boot-option cases run in the UML targets, the fault
	# injection ones in uml-sanitizer; the guest's two nodes have a CPU
	# each, and the cross-CPU depot case, which needs two of one node,
	# runs in uml-smp.
	check_boot qemu "$KT_OUT/arch/x86/boot/bzImage" "$KT_TREE" "$KT_LABEL" "$KT_DIR/boot" \
		"" "\\.($INIT_CASES|$FAULT_CASES|zalloc_depot_crosses_cpus)(\\..*)?\$"
	log "$KT_LABEL: done in $(elapsed "$start") (emulated: not a timing)"
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

# stock_kernel FLAVOUR WHAT - set SK_REL (the release of Debian's stock
# kernel FLAVOUR, see stock_release), SK_KDIR (its headers) and SK_IMAGE
# (its image); return 1, counting a failure of WHAT, when it is not installed
stock_kernel()
{
	if ! SK_REL=$(stock_release "$1") || [[ -z $SK_REL ]]; then
		result FAIL "$2 $1 (linux-image-$1 not installed: run tools/testing/deps.sh)"
		return 1
	fi
	SK_KDIR=/lib/modules/$SK_REL/build
	SK_IMAGE=/boot/vmlinuz-$SK_REL
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

# stock_boot IMAGE DIR MODULE... - boot Debian's kernel IMAGE in QEMU with 2
# CPUs (tools/testing/qemu-run.sh, output in DIR), load the modules and run
# STOCK_SNIPPET. A kernel that stops before its init loaded anything (no
# "loading modules" line on its console) crashed while booting, which no
# module of ours can have caused: that boot is kept in DIR.early and logged,
# and the kernel booted once more. Seen once in 17 boots of Debian's 7.3
# under TCG: an int3 Oops in sched_clock_cpu while the kernel patched a
# static key ("sched_clock: Marking stable"), at 1.2 s.
stock_boot()
{
	local image=$1 dir=$2

	shift 2
	"$TOOLS_DIR/qemu-run.sh" -t "$QEMU_TIMEOUT" -c 2 -x "$STOCK_SNIPPET" "$image" \
		"$dir" "$@" || true
	if [[ ! -e $dir/done ]] && ! grep -q 'qemu-run: loading modules' "$dir/console.log"; then
		log "${image##*/}: the kernel stopped before loading a module (in" \
			"$dir.early): booting it again"
		grep -m1 -A2 -E 'Oops|BUG|Kernel panic' "$dir/console.log" >&2 || true
		rm -rf "$dir.early"
		mv "$dir" "$dir.early"
		"$TOOLS_DIR/qemu-run.sh" -t "$QEMU_TIMEOUT" -c 2 -x "$STOCK_SNIPPET" "$image" \
			"$dir" "$@" || true
	fi
}

# target_stock FLAVOUR - Debian's installed stock kernel in QEMU with 2 CPUs:
# W=1 build against its headers, the sample built as documented, zalloc and
# the sample loaded, stats read with and without the sample, log checks
target_stock()
{
	local rel kdir image label dir tree start=$SECONDS

	stock_kernel "$1" "stock kernel" || return 0
	rel=$SK_REL kdir=$SK_KDIR image=$SK_IMAGE
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
	stock_boot "$image" "$dir/boot" "$tree/zalloc.ko" "$tree/samples/zalloc_example.ko"
	check_log "$label" "$dir/boot"
	check_expected_log "$label" "$dir/boot"
	check_debugfs "$label" "$dir/boot"
	check_stock_stats "$label" "$dir/boot"
	log "$label: done in $(elapsed "$start") (emulated: not a timing)"
}

# in_debian_root ROOT DIR CMD... - run CMD in the Debian system ROOT (chroot)
# with DIR, a dir of the run, mounted at the same path in it (so that the
# paths of the module tree hold in and out) and /proc (objtool reads its
# stack limit there), in a mount namespace of its own: nothing stays mounted
# when CMD ends, however it ends. The mount point made in ROOT is removed.
in_debian_root()
{
	local root=$1 dir=$2 d rc=0

	shift 2
	mkdir -p "$root$dir"
	# shellcheck disable=SC2016 # the inner shell's arguments
	unshare --mount --propagation private -- /bin/sh -ec '
		mount -t proc proc "$1/proc"
		mount --bind "$2" "$1$2"
		root=$1
		shift 2
		exec chroot "$root" "$@"' sh "$root" "$dir" "$@" || rc=$?
	d=$root$dir
	while [[ $d != "$root" ]] && rmdir "$d" 2>/dev/null; do
		d=${d%/*}
	done
	return $rc
}

# check_debian_kunit CONFIG KVER - Debian's kernel config CONFIG has no KUnit:
# then the zalloc suites cannot run on that kernel, a skip. With
# "# CONFIG_KUNIT is not set" there is no kunit.ko in Debian's modules, and
# the kernel's module loader keeps no test suites of a module (struct module
# has no kunit_suites), so no KUnit built elsewhere could run them either.
# Should Debian turn KUnit on, this fails: the target must then load its
# kunit.ko and the suites.
check_debian_kunit()
{
	local config=$1 kver=$2 val

	val=$(sed -n 's/^CONFIG_KUNIT=//p' "$config")
	if [[ -z $val ]] && grep -qx '# CONFIG_KUNIT is not set' "$config"; then
		result SKIP "kunit $kver (Debian's config: CONFIG_KUNIT is not set)"
	else
		result FAIL "kunit $kver (Debian's config has CONFIG_KUNIT=${val:-?}: load kunit.ko and the suites here)"
	fi
}

# target_debian SERIES - Debian 13's own amd64 kernel binary of SERIES (X.Y,
# X.Y.Z or newest; see tools/testing/kernel.sh debian) in QEMU with 2 CPUs:
# the module tree built with W=1 against Debian's headers package in a Debian
# 13 system (its gcc and kbuild tools; kbuild leaves out the KUnit modules
# where the config has no KUnit), the example built as documented, both
# loaded, stats read with and without the example, log checks; KUnit
# cannot run where Debian's config has none (7.3's: see check_debian_kunit)
target_debian()
{
	local kd rel kdir label dir tree start=$SECONDS
	local -a KMAKE

	if ! kd=$("$TOOLS_DIR/kernel.sh" debian "$1"); then
		result FAIL "Debian's kernel binary $1 (see tools/testing/kernel.sh debian $1)"
		return 0
	fi
	rel=$(cat "$kd/release")
	kdir=/usr/src/linux-headers-$rel
	label=debian-$rel
	dir=$RUN_DIR/$label
	tree=$dir/tree
	mkdir -p "$dir"
	copy_tree "$TOP_DIR" "$tree"
	# The module builds run make in Debian's system, where kdir is.
	# shellcheck disable=SC2034 # read by check-lib.sh's builds
	KMAKE=(in_debian_root "$kd/root" "$dir" make)
	check_build "$kdir" "$tree" "$label" "$dir/build.log"
	check_sample_build "$kdir" "$tree" "$label" "$dir/sample-build.log"
	check_debian_kunit "$kd/config" "$label"
	if [[ ! -f $tree/zalloc.ko || ! -f $tree/samples/zalloc_example.ko ]]; then
		result FAIL "boot $label (zalloc.ko or the sample not built)"
		return
	fi
	log "$label: booting qemu with zalloc.ko zalloc_example.ko"
	stock_boot "$kd/vmlinuz" "$dir/boot" "$tree/zalloc.ko" "$tree/samples/zalloc_example.ko"
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

	stock_kernel "$1" dkms || return 0
	rel=$SK_REL kdir=$SK_KDIR image=$SK_IMAGE
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
	stock_boot "$image" "$dir/boot" "${mods[@]}"
	check_log "$label" "$dir/boot"
	check_expected_log "$label" "$dir/boot"
	check_stock_stats "$label" "$dir/boot"
	log "$label: done in $(elapsed "$start") (emulated: not a timing)"
}
