#!/bin/bash
# tools/testing/deps.sh - install the Debian packages that building and testing
# zalloc need; "make check" and "make run" run it first, so that they work on
# a fresh Debian 12 machine. Idempotent: asks apt only for what is missing,
# updating its lists once. Must run as root (it exits with 1 otherwise), as
# the harness itself must (apt-get, mknod, /var/cache/zalloc).
# linux-image-amd64 and linux-headers-amd64 are Debian's stock kernel, which
# "make check" boots in QEMU (targets stock and dkms); it is never booted on
# this machine. dkms and openssl: the dkms target builds and signs zalloc.ko
# as Debian's DKMS does; debootstrap (and debian-archive-keyring, whose
# keys it checks the archive with): the debian target builds against
# Debian 13's kernel headers in a Debian 13 system it makes in the cache
# (tools/testing/kernel.sh debian); libc6-dev: zallocstat; python3: the kernel's
# tools/testing/kunit/kunit.py, which builds the test kernels and parses
# every KTAP document of "make check"; tmux: zallocstat's refreshing screens
# are captured in it (tools/testing/tools-test.sh).
set -euo pipefail

PACKAGES=(
	make gcc libc6-dev git bc flex bison libelf-dev libssl-dev python3 perl
	rsync xz-utils busybox-static cpio qemu-system-x86 gnuplot-nox kmod
	distro-info-data linux-source-6.1 sparse
	linux-headers-amd64 linux-image-amd64 dkms openssl debootstrap
	debian-archive-keyring tmux
)

# missing - print the packages of PACKAGES that are not installed
missing()
{
	local p

	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

main()
{
	local -a need

	if [[ $EUID -ne 0 ]]; then
		echo "deps.sh: error: make check and make run must run as root:" \
			"they install Debian packages with apt-get, build kernels in" \
			"${ZALLOC_CACHE:-/var/cache/zalloc} and make device nodes for" \
			"their guests (try: sudo make check)" >&2
		exit 1
	fi
	mapfile -t need < <(missing)
	if [[ ${#need[@]} -eq 0 ]]; then
		echo "deps.sh: all packages present" >&2
		return
	fi
	echo "deps.sh: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${need[@]}"
}

main "$@"
