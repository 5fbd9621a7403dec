#!/bin/bash
# tools/testing/kernel.sh - fetch kernel sources and build cached UML and x86_64 kernels
# for zalloc.
#
# usage: tools/testing/kernel.sh COMMAND VERSION
#   COMMAND   src        print the path of the unpacked source tree
#             version    print the kernel version of that tree (e.g. 6.1.192)
#             uml        print the build dir (holding "linux") of the UML test kernel
#             uml-bench  the same for the one-CPU UML benchmark kernel: no
#                        debug options, Debian's allocator options
#                        (kconfig/uml-bench.config says which, and which
#                        UML cannot have), CONFIG_PREEMPT where UML has it
#                        (6.12 and later)
#             uml-bench-smp      uml-bench with SMP and CONFIG_PREEMPT
#                        (newest only; boot with "ncpus=2 seccomp=on")
#             uml-smp    the UML test kernel with SMP and preemption (newest only;
#                        boot with "ncpus=2 seccomp=on")
#             uml-sanitizer  the UML test kernel with KASAN, kmemleak and fault
#                        injection (newest only)
#             x86_64     print the build dir (holding arch/x86/boot/bzImage) of
#                        the x86_64 test kernel for QEMU (SMP, KUnit, debug options)
#             debian     print the dir of Debian 13's own amd64 kernel binary
#                        of VERSION (see debian_kernel): "release", "vmlinuz",
#                        "config", and "root", a minimal Debian 13 system
#                        holding its headers, where modules for it are built
#   VERSION   6.1        Debian 12's linux-source-6.1 (/usr/src tarball)
#             newest     the newest linux-source-X.Y of Debian's backports,
#                        testing and unstable suites (downloaded, never installed)
#             X.Y        linux-source-X.Y from those suites, e.g. 6.12 (Debian
#                        13's kernel, in bookworm-backports)
#             For "debian", VERSION is a series X.Y (e.g. 7.3: the newest
#             7.3.Z that Debian 13's backports carry), X.Y.Z, or newest.
#
# Everything lives in ${ZALLOC_CACHE:-/var/cache/zalloc}: src/ (unpacked trees),
# debs/ (downloaded packages), apt/ (private apt lists), build/ (kernels, keyed
# by source version and a hash of the config fragment), debian/ (Debian's
# kernel binaries, by package and version). A kernel counts as built only once
# its stamp file exists, so an interrupted build is redone.
# Progress goes to stderr; only the requested path goes to stdout.
set -euo pipefail

# shellcheck source=tools/testing/common.sh
. "$(dirname "$0")/common.sh"

APT_DIR=$ZALLOC_CACHE/apt
NEWEST_FILE=$ZALLOC_CACHE/newest
NEWEST_TTL=${ZALLOC_NEWEST_TTL:-86400}
STAMP=.zalloc-built
# Debian's own kernel binaries ("debian"): the amd64 flavour of Debian 13
# (trixie), whose backports carry its 7.x kernels as
# linux-binary-KVER+deb13-amd64 (image and config) and
# linux-headers-KVER+deb13-amd64.
DEB_CODENAME=trixie
DEB_TAG=deb13
DEB_FLAVOUR=amd64

usage()
{
	echo "usage: $PROG src|version|uml|uml-smp|uml-sanitizer|uml-bench|uml-bench-smp|x86_64 6.1|newest|X.Y" >&2
	echo "       $PROG debian X.Y|X.Y.Z|newest" >&2
	exit 2
}

# sources_stanza - print "URI KEYRING" of the machine's main Debian entry
sources_stanza()
{
	local codename

	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	awk -v RS= -v cn="$codename" '
	{
		uri = ""; key = ""; hit = 0
		n = split($0, l, "\n")
		for (i = 1; i <= n; i++) {
			if (l[i] ~ /^URIs:/) { split(l[i], w, " "); uri = w[2] }
			if (l[i] ~ /^Signed-By: *\//) { split(l[i], w, " "); key = w[2] }
			if (l[i] ~ /^Suites:/ && (" " l[i] " ") ~ (" " cn " "))
				hit = 1
		}
		if (hit && uri != "") { print uri, key; exit }
	}' /etc/apt/sources.list.d/debian.sources
}

# newer_suites - print the suites that may carry a newer linux-source: the
# backports of this and every later release, testing, and unstable. The names
# come from distro-info-data, as the archive's aliases may lag behind.
newer_suites()
{
	local csv=/usr/share/distro-info/debian.csv codename today

	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	today=$(date +%F)
	if [[ ! -r $csv ]]; then
		echo "$codename-backports stable-backports testing unstable"
		return
	fi
	awk -F, -v cn="$codename" -v today="$today" '
		$3 == cn { on = 1 }
		on && $3 != "sid" && $3 != "experimental" && $4 <= today {
			if ($5 != "" && $5 <= today)
				s = s " " $3 "-backports"
			else
				s = s " " $3
		}
		END { print substr(s, 2) " sid" }' "$csv"
}

# write_sources FILE - a sources file for the newer suites, with the address
# and keyring of the machine's own Debian entry (never written in the repo)
write_sources()
{
	local file=$1 codename uri key

	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	read -r uri key < <(sources_stanza) ||
		die "no $codename entry in /etc/apt/sources.list.d/debian.sources"
	: "${key:=/usr/share/keyrings/debian-archive-keyring.gpg}"
	cat >"$file" <<-EOT
	Types: deb
	URIs: $uri
	Suites: $(newer_suites)
	Components: main
	Signed-By: $key
	EOT
}

# apt_opts - print the apt options that keep lists and cache private
apt_opts()
{
	printf '%s\n' \
		-o "Dir::Etc::sourcelist=$APT_DIR/debian-newer.sources" \
		-o Dir::Etc::sourceparts=- \
		-o "Dir::State::Lists=$APT_DIR/lists" \
		-o "Dir::Cache=$APT_DIR/cache" \
		-o APT::Sandbox::User=root
}

# apt_update - refresh the private package lists of the newer suites
apt_update()
{
	local -a opts

	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	write_sources "$APT_DIR/debian-newer.sources"
	mapfile -t opts < <(apt_opts)
	log "updating the package lists of the newer Debian suites"
	# A suite that is missing is not fatal: take what the others carry.
	apt-get "${opts[@]}" -q update >&2 || log "warning: apt-get update failed in part"
}

# max_version VERSION... - print the highest Debian version
max_version()
{
	local best="" v

	for v in "$@"; do
		if [[ -z $best ]] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	[[ -n $best ]] && echo "$best"
}

# pick_newest - print "PACKAGE VERSION" of the newest linux-source-X.Y
pick_newest()
{
	local -a opts vers
	local pkg

	mapfile -t opts < <(apt_opts)
	pkg=$(apt-cache "${opts[@]}" pkgnames linux-source- |
		grep -E '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -n1)
	[[ -n $pkg ]] || return 1
	mapfile -t vers < <(apt-cache "${opts[@]}" madison "$pkg" |
		awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
	echo "$pkg $(max_version "${vers[@]}")"
}

# daily FILE WHAT CMD... - print the contents of FILE, first refreshed from
# the archive (the output of CMD after apt_update) when FILE is older than
# NEWEST_TTL seconds or missing; when CMD finds no WHAT, keep the old FILE,
# or die when there is none
daily()
{
	local file=$1 what=$2 age=$NEWEST_TTL line

	shift 2
	if [[ -s $file ]]; then
		age=$(($(date +%s) - $(stat -c %Y "$file")))
	fi
	if ((age < NEWEST_TTL)); then
		cat "$file"
		return
	fi
	apt_update
	if line=$("$@"); then
		echo "$line" >"$file.tmp"
		mv "$file.tmp" "$file"
		log "$what: $line"
	elif [[ -s $file ]]; then
		log "warning: archive gave no $what, using $(cat "$file")"
	else
		die "no $what in the newer Debian suites"
	fi
	cat "$file"
}

# resolve_newest - print "PACKAGE VERSION" of the newest linux-source-X.Y,
# asking the archive once a day
resolve_newest()
{
	daily "$NEWEST_FILE" "newest linux-source-X.Y" pick_newest
}

# pkg_version PACKAGE - print the highest version of PACKAGE in the newer
# suites' package lists
pkg_version()
{
	local -a opts vers

	mapfile -t opts < <(apt_opts)
	mapfile -t vers < <(apt-cache "${opts[@]}" madison "$1" |
		awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
	max_version "${vers[@]}"
}

# resolve_pkg PACKAGE - print the highest version of PACKAGE in the newer
# suites, asking the archive once a day
resolve_pkg()
{
	daily "$ZALLOC_CACHE/version-$1" "$1" pkg_version "$1"
}

# source_pkg PACKAGE [VERSION] - print the unpacked tree of PACKAGE
# (linux-source-X.Y) of VERSION, by default its highest in the newer suites,
# downloading and unpacking it first when it is not there
source_pkg()
{
	local pkg=$1 ver=${2:-} dir deb

	[[ -n $ver ]] || ver=$(resolve_pkg "$pkg")
	dir=$ZALLOC_CACHE/src/${pkg}_${ver//:/_}
	if [[ ! -d $dir ]]; then
		deb=$(fetch_deb "$pkg" "$ver")
		unpack "$dir" "$pkg" deb_tarball "$deb" "$pkg"
	fi
	echo "$dir"
}

# fetch_deb PACKAGE VERSION - print the path of the cached .deb, downloading it
fetch_deb()
{
	local pkg=$1 ver=$2 deb tmp
	local -a opts

	deb=$ZALLOC_CACHE/debs/${pkg}_${ver//:/_}.deb
	if [[ ! -s $deb ]]; then
		if [[ ! -d $APT_DIR/lists ]]; then
			apt_update
		fi
		mapfile -t opts < <(apt_opts)
		tmp=$ZALLOC_CACHE/debs/tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp"
		log "downloading $pkg $ver"
		(cd "$tmp" && apt-get "${opts[@]}" -q download "$pkg=$ver") >&2
		mv "$tmp"/*.deb "$deb"
		rm -rf "$tmp"
	fi
	echo "$deb"
}

# unpack SRCDIR TOPNAME CMD... - unpack the tarball that CMD writes to stdout,
# whose top directory is TOPNAME, into SRCDIR (atomically, by a rename)
unpack()
{
	local dir=$1 top=$2 start=$SECONDS

	shift 2
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	log "unpacking $top into $dir"
	"$@" | tar -xJ -C "$dir.tmp" || die "cannot unpack $top"
	mv "$dir.tmp/$top" "$dir" || die "no $top in the tarball"
	rm -rf "$dir.tmp"
	log "unpacked in $(elapsed "$start")"
}

# source_61 - print the unpacked linux-source-6.1 tree
source_61()
{
	local ver dir tarball=/usr/src/linux-source-6.1.tar.xz

	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
		die "linux-source-6.1 is not installed: run tools/testing/deps.sh"
	dir=$ZALLOC_CACHE/src/linux-source-6.1_${ver//:/_}
	if [[ ! -d $dir ]]; then
		unpack "$dir" linux-source-6.1 cat "$tarball"
	fi
	echo "$dir"
}

# source_newest - print the unpacked tree of the newest linux-source-X.Y
source_newest()
{
	local pkg ver line

	line=$(resolve_newest)
	read -r pkg ver <<<"$line"
	source_pkg "$pkg" "$ver"
}

# deb_tarball DEB PACKAGE - write the compressed source tarball of DEB to stdout
deb_tarball()
{
	dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/$2.tar.xz"
}

# source_dir VERSION - print the source tree of VERSION (6.1, newest, X.Y)
source_dir()
{
	case $1 in
	6.1) source_61 ;;
	newest) source_newest ;;
	[0-9]*.[0-9]*) source_pkg "linux-source-$1" ;;
	*) usage ;;
	esac
}

# kernel_version SRC - print the version of the kernel tree SRC
kernel_version()
{
	awk -F' *= *' '
		$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2 }
		END { print v "." p "." s }' "$1/Makefile"
}

# builtin_tests OUT - print the KUnit test options built into the kernel in OUT
builtin_tests()
{
	grep -E '^CONFIG_[A-Z0-9_]*(KUNIT_TEST|_TEST)=y' "$1/.config" |
		grep -v -e '^CONFIG_KUNIT=' || true
}

# effective_config SRC ARCH FRAG OUT - write OUT/zalloc.kunitconfig: FRAG
# without the options after its "# --- optional ---" line that SRC's ARCH
# (um, x86_64) cannot set
effective_config()
{
	local src=$1 arch=$2 frag=$3 out=$4 probe=$4/probe opt
	local cfg=$4/zalloc.kunitconfig

	sed '/^# --- optional ---$/,$d' "$frag" >"$cfg"
	mkdir -p "$probe"
	grep -E '^(CONFIG_|# CONFIG_)' "$frag" >"$probe/.config"
	make -s -C "$src" ARCH="$arch" O="$probe" olddefconfig >/dev/null 2>&1 ||
		die "olddefconfig failed in $probe"
	while IFS= read -r opt; do
		if grep -qxF "$opt" "$probe/.config"; then
			echo "$opt" >>"$cfg"
		else
			log "leaving out $opt: $arch $(kernel_version "$src") cannot set it"
			echo "$opt" >>"$out/left-out.config"
		fi
	done < <(sed -n '/^# --- optional ---$/,$p' "$frag" | grep '^CONFIG_')
	rm -rf "$probe"
}

# kernel_image ARCH - print the path of the bootable image in a build dir
kernel_image()
{
	case $1 in
	um) echo linux ;;
	x86_64) echo arch/x86/boot/bzImage ;;
	*) die "unknown kernel arch $1" ;;
	esac
}

# build_kernel SRC KIND ARCH - print the build dir of config KIND (the fragment
# tools/testing/kconfig/KIND.config) for ARCH (um, x86_64), building it with kunit.py
build_kernel()
{
	local src=$1 kind=$2 arch=$3 frag hash out start image

	frag=$TOOLS_DIR/kconfig/$kind.config
	[[ -f $frag ]] || die "no config fragment $frag"
	hash=$({ cat "$frag"; gcc --version | head -n1; } | sha256sum | cut -c1-12)
	out=$ZALLOC_CACHE/build/$kind-${src##*/}-$hash
	image=$(kernel_image "$arch")
	if [[ ! -f $out/$STAMP ]]; then
		rm -rf "$out"
		mkdir -p "$out"
		start=$SECONDS
		log "building $arch kernel $(kernel_version "$src") ($kind) in $out"
		effective_config "$src" "$arch" "$frag" "$out"
		(cd "$src" && python3 tools/testing/kunit/kunit.py build \
			--arch="$arch" --kunitconfig="$out/zalloc.kunitconfig" \
			--build_dir="$out" --jobs="$(nproc)") >&2 ||
			die "$arch kernel build failed in $out"
		[[ -f $out/$image ]] || die "no $out/$image after the build"
		log "built $out/$image in $(elapsed "$start")"
		if [[ -n $(builtin_tests "$out") ]]; then
			log "warning: tests built into the kernel:" \
				"$(builtin_tests "$out" | tr '\n' ' ')"
		fi
		touch "$out/$STAMP"
	fi
	echo "$out"
}

# pick_binary SERIES - print "PACKAGE VERSION" of the newest of Debian 13's
# amd64 kernel binaries (linux-binary-KVER+deb13-amd64) whose KVER is in
# SERIES (X.Y, X.Y.Z, or newest: any) in the newer suites' package lists
pick_binary()
{
	local re=$1 pkg
	local -a opts

	if [[ $re == newest ]]; then
		re='[0-9]+\.[0-9]+'
	else
		re=${re//./\\.}
	fi
	mapfile -t opts < <(apt_opts)
	pkg=$(apt-cache "${opts[@]}" pkgnames linux-binary- |
		grep -E "^linux-binary-$re(\\.[0-9]+)*\\+$DEB_TAG-$DEB_FLAVOUR\$" |
		sort -V | tail -n1)
	[[ -n $pkg ]] || return 1
	echo "$pkg $(pkg_version "$pkg")"
}

# deb_depends DEB - print the packages that DEB depends on, one a line: the
# first of each alternative, without version or architecture
deb_depends()
{
	dpkg-deb -f "$1" Depends | tr ',' '\n' |
		sed -E 's/\|.*//; s/\(.*\)//; s/:.*//; s/[[:space:]]//g' | grep -v '^$'
}

# debian_root DIR DEB... - make DIR a minimal Debian 13 system (debootstrap
# from the machine's own archive address) with make and what the headers
# packages DEB... depend on (the gcc that built the kernel, pahole, the
# libraries of Debian's kbuild tools), and unpack those packages in it.
# Debian's headers cannot be used on this Debian 12 machine itself: they run
# the kernel's own gcc (gcc-14, not in Debian 12; gcc 12 lacks options the
# kernel's config turns on, such as -fmin-function-alignment) and their host
# tools (modpost, objtool, resolve_btfids) need Debian 13's glibc. In their
# own release both hold, as for a Debian 13 user building a module.
debian_root()
{
	local root=$1 uri key deb inc cc
	# gcc-N-for-host calls "as" and "ld", which only binutils provides.
	local -a pkgs=(make binutils)

	shift
	for deb in "$@"; do
		mapfile -t -O "${#pkgs[@]}" pkgs < <(deb_depends "$deb" | grep -v '^linux-')
	done
	inc=$(printf '%s\n' "${pkgs[@]}" | sort -u | paste -sd,)
	read -r uri key < <(sources_stanza) ||
		die "no archive address in /etc/apt/sources.list.d/debian.sources"
	: "${key:=/usr/share/keyrings/debian-archive-keyring.gpg}"
	log "debootstrap $DEB_CODENAME (minbase, with $inc) into $root"
	# In a mount namespace of its own: the /proc and /sys that debootstrap
	# mounts in the new system go away with it, even when it is killed.
	if ! unshare --mount --propagation private -- debootstrap --variant=minbase \
		--keyring="$key" --include="$inc" "$DEB_CODENAME" "$root" "$uri" \
		>"$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		die "debootstrap $DEB_CODENAME failed, see $root.log"
	fi
	for deb in "$@"; do
		dpkg-deb -x "$deb" "$root"
	done
	# The compiler that built the kernel (its config names it) must
	# compile and assemble there.
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\).*/\1/p' "$root"/usr/src/linux-headers-*/.config |
		head -n1)
	chroot "$root" "${cc:-gcc}" -c -x c -o /dev/null /dev/null ||
		die "${cc:-no compiler} does not work in $root"
}

# debian_kernel SERIES - print the dir of the newest of Debian 13's amd64
# kernel binaries of SERIES (see pick_binary; asking the archive once a day),
# downloading its packages and making the dir first when it is not there:
# "release" (e.g. 7.3.4+deb13-amd64), "vmlinuz" and "config" (from the
# linux-binary package and the linux-base package it depends on, unpacked in
# "binary"), and "root", where modules are built for it: a Debian 13 system
# with linux-headers-RELEASE, its common headers and its kbuild tools (see
# debian_root), whose build dir is /usr/src/linux-headers-RELEASE there.
# Nothing is installed on the machine. The series pins no Z on purpose:
# backports keep only their newest upload, so a pinned 7.3.4 would vanish
# from the archive with 7.3.5; a series X.Y lasts until backports move on
# to X.Y+1, and then the run fails, naming the series it cannot find.
debian_kernel()
{
	local series=$1 line pkg ver rel dir tmp bin hdr mod f start=$SECONDS
	local -a debs

	line=$(daily "$ZALLOC_CACHE/debian-$series" \
		"Debian $DEB_CODENAME kernel binary $series" pick_binary "$series")
	read -r pkg ver <<<"$line"
	rel=${pkg#linux-binary-}
	dir=$ZALLOC_CACHE/debian/${pkg}_${ver//:/_}
	if [[ ! -f $dir/$STAMP ]]; then
		hdr=$(fetch_deb "linux-headers-$rel" "$ver")
		debs=("$hdr")
		# The headers name the common headers and kbuild package they
		# use; all come from one source package, of one version.
		while IFS= read -r f; do
			debs+=("$(fetch_deb "$f" "$ver")")
		done < <(deb_depends "$hdr" | grep -E '^linux-(headers-.*-common|kbuild-)')
		((${#debs[@]} == 3)) || die "linux-headers-$rel names no common headers or kbuild"
		tmp=$dir.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp"
		# The image is in linux-binary-REL, the config in the
		# linux-base-REL it depends on.
		bin=$(fetch_deb "$pkg" "$ver")
		dpkg-deb -x "$bin" "$tmp/binary"
		while IFS= read -r f; do
			dpkg-deb -x "$(fetch_deb "$f" "$ver")" "$tmp/binary"
		done < <(deb_depends "$bin" | grep '^linux-base-')
		# The image and config: in /usr/lib/modules/REL/ in the 7.x
		# packages, in /boot in Debian 12's.
		for f in vmlinuz config; do
			for mod in "usr/lib/modules/$rel/$f" "boot/$f-$rel"; do
				if [[ -f $tmp/binary/$mod ]]; then
					ln -s "binary/$mod" "$tmp/$f"
					break
				fi
			done
			[[ -e $tmp/$f ]] || die "no $f in $pkg $ver"
		done
		debian_root "$tmp/root" "${debs[@]}"
		[[ -f $tmp/root/usr/src/linux-headers-$rel/Makefile ]] ||
			die "no /usr/src/linux-headers-$rel in $tmp/root"
		echo "$rel" >"$tmp/release"
		touch "$tmp/$STAMP"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		log "Debian's kernel $rel ($ver) ready in $dir in $(elapsed "$start")"
	fi
	echo "$dir"
}

# with_lock NAME CMD... - run CMD holding the cache lock NAME, so that runs
# in parallel neither unpack nor build the same thing twice at once
with_lock()
{
	local name=$1

	shift
	(
		flock 9
		"$@"
	) 9>"$ZALLOC_CACHE/.lock-$name"
}

main()
{
	local cmd=${1:-} ver=${2:-} src

	[[ $# -eq 2 ]] || usage
	mkdir -p "$ZALLOC_CACHE/src" "$ZALLOC_CACHE/debs" "$ZALLOC_CACHE/build"
	if [[ $cmd == debian ]]; then
		[[ $ver =~ ^([0-9]+\.[0-9]+(\.[0-9]+)?|newest)$ ]] || usage
		mkdir -p "$ZALLOC_CACHE/debian"
		with_lock "debian-$ver" debian_kernel "$ver"
		return
	fi
	case $cmd in
	src | version | uml | uml-smp | uml-sanitizer | uml-bench | uml-bench-smp | \
		x86_64) ;;
	*) usage ;;
	esac
	src=$(with_lock "src-$ver" source_dir "$ver")
	case $cmd in
	src) echo "$src" ;;
	version) kernel_version "$src" ;;
	uml) with_lock "uml-test-$ver" build_kernel "$src" uml-test um ;;
	uml-smp) with_lock "uml-test-smp-$ver" build_kernel "$src" uml-test-smp um ;;
	uml-sanitizer) with_lock "$cmd-$ver" build_kernel "$src" uml-sanitizer um ;;
	uml-bench*) with_lock "$cmd-$ver" build_kernel "$src" "$cmd" um ;;
	x86_64) with_lock "x86_64-test-$ver" build_kernel "$src" x86_64-test x86_64 ;;
	esac
}

main "$@"
