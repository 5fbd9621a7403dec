#!/bin/bash
# tools/testing/deps.sh - install the Debian packages that building and testing zalloc
# need. Idempotent: asks apt only for what is missing, updating its lists once.
# linux-image-amd64 and linux-headers-amd64 are Debian's stock kernel, which
# "make check" boots in QEMU (target stock); it is never booted on this machine.
set -euo pipefail

PACKAGES=(
	make gcc git bc flex bison libelf-dev libssl-dev python3 perl rsync
	xz-utils busybox-static cpio qemu-system-x86 gnuplot-nox
	distro-info-data linux-source-6.1 sparse
	linux-headers-amd64 linux-image-amd64
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
