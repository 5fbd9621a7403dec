#!/bin/sh
# scripts/dkms-post-build.sh - dkms.conf's POST_BUILD: copy zalloc's
# Module.symvers out of the DKMS build tree, which DKMS deletes after the
# build, to DKMS's directory for this kernel, beside the built module:
#   /var/lib/dkms/zalloc/VERSION/KERNELRELEASE/ARCH/Module.symvers
# (under dkms --dkmstree DIR, DIR instead of /var/lib/dkms).
# DKMS runs it in the build tree with the kernel release and the arch.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 KERNELRELEASE ARCH" >&2
	exit 2
fi
dest=../$1/$2
if [ ! -d "$dest" ]; then
	echo "$0: no DKMS directory $dest" >&2
	exit 1
fi
cp Module.symvers "$dest/Module.symvers"
echo "zalloc: Module.symvers for $1 in $(cd "$dest" && pwd)"
