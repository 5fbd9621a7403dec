# shellcheck shell=bash
# tools/testing/common.sh - helpers shared by the zalloc harness scripts.
# Sourced by the other tools/testing/*.sh scripts; it does nothing when run alone.

TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this file
TOP_DIR=$(cd "$TOOLS_DIR/../.." && pwd)
ZALLOC_CACHE=${ZALLOC_CACHE:-/var/cache/zalloc}
PROG=${0##*/}

# log MSG... - print a progress message on stderr
log()
{
	printf '%s: %s\n' "$PROG" "$*" >&2
}

# die MSG... - print an error on stderr and exit
die()
{
	log "error: $*"
	exit 1
}

# elapsed START - seconds since START (from $SECONDS) as "XmYYs"
elapsed()
{
	local s=$((SECONDS - $1))

	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# tree_files DIR - list (NUL separated) the tracked and untracked non-ignored
# files of the git checkout DIR, or every file but .git when DIR is no checkout
tree_files()
{
	local dir=$1 f

	if git -C "$dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$dir" ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			if [[ -f $dir/$f ]]; then
				printf '%s\0' "$f"
			fi
		done
	else
		(cd "$dir" && find . -path ./.git -prune -o -type f -printf '%P\0')
	fi
}

# copy_tree SRC DST - replace DST with a fresh copy of the module tree SRC
copy_tree()
{
	local src=$1 dst=$2

	rm -rf "$dst"
	mkdir -p "$dst"
	tree_files "$src" | rsync -a --from0 --files-from=- "$src/" "$dst/"
}

# squote STRING - print STRING quoted for a POSIX shell
squote()
{
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# modname PATH - print the kernel's name of the module file PATH
modname()
{
	local n=${1##*/}

	n=${n%.ko}
	echo "${n//-/_}"
}

# init_insmod PATH - init-script lines that load the module file PATH (as
# the guest sees it) with the parameters in the caller's PARAMS array, and
# add it to $loaded on success
init_insmod()
{
	local name

	name=$(modname "$1")
	cat <<-EOT
	if \$bb insmod $(squote "$1") ${PARAMS[$name]:-}; then
		loaded="$name \$loaded"
	else
		log "INSMOD FAILED $name"
	fi
	EOT
}

# module_paths MODULE.ko... - print the absolute path of each module file, one
# a line; die if one is missing
module_paths()
{
	local m

	for m in "$@"; do
		[[ -f $m ]] || die "no module $m"
		realpath "$m"
	done
}

# The settings of uml-run.sh and qemu-run.sh that their options -t, -a, -p
# and -x set (see boot_option); each script sets its default TIMEOUT.
BOOT_ARGS=
SNIPPET=
declare -A PARAMS=()

# boot_option OPT ARG - take an option that uml-run.sh and qemu-run.sh share:
# -t SECS (TIMEOUT), -a ARGS (BOOT_ARGS, more kernel arguments), -p
# NAME=PARAMS (PARAMS[NAME], for init_insmod) and -x SHELL (SNIPPET, see
# init_snippet); return 1 for any other
# shellcheck disable=SC2034 # the settings are uml-run.sh's and qemu-run.sh's
boot_option()
{
	case $1 in
	t) TIMEOUT=$2 ;;
	a) BOOT_ARGS=$2 ;;
	p) [[ $2 == *=* ]] || return 1
	   PARAMS[${2%%=*}]=${2#*=} ;;
	x) SNIPPET=$2 ;;
	*) return 1 ;;
	esac
}

# init_snippet - init-script lines that run SNIPPET (-x) in a subshell, if
# any, and log "SNIPPET FAILED" when it fails
init_snippet()
{
	if [[ -n $SNIPPET ]]; then
		printf '(\n%s\n) || log "SNIPPET FAILED"\n' "$SNIPPET"
	fi
}

# run_guest OUTDIR CMD... - run the guest CMD for at most TIMEOUT seconds,
# its output in OUTDIR/console.log; save its exit status (124 or 137 on a
# timeout) in OUTDIR/exit-status and print it
run_guest()
{
	local out=$1 rc=0

	shift
	timeout -k 10 "$TIMEOUT" "$@" </dev/null >"$out/console.log" 2>&1 || rc=$?
	echo "$rc" >"$out/exit-status"
	echo "$rc"
}

# boot_outcome RC OUTDIR - exit with the guest's status RC unless 0, and
# fail unless its init finished (OUTDIR/done)
boot_outcome()
{
	[[ $1 -eq 0 ]] || exit "$1"
	[[ -e $2/done ]] || die "init did not finish, see $2/console.log"
}
