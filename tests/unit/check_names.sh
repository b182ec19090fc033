#!/bin/sh
# check_names.sh — every symbol a module's static library exports starts with
# the module's prefix (the folder's name and '_'), so no module's names collide
# with another's or with a library's (docs/ARCHITECTURE.md, "Names"). What
# only one file uses is static and not looked at.
#
# usage: check_names.sh LIB.a...   (src/<module>/lib<module>.a of a build)
# Prints each offending symbol as "module: symbol"; exit 1 if there is one.
set -u
NM=${NM:-nm}

# Exports whose name is not the folder's by design:
#   util  one small part per header: log.h blog, blog_*; errmsg.h errmsg_*;
#         acl.h pacl_*; alloc.h alloc_*; grow.h grow_*; cescape.h
#         cescape_*; env.h env_*; smallfile.h smallfile_*; malloc_conf is jemalloc's setting
#   md5   libisofs's own iso_md5_start/compute/clone/end, defined on purpose
#   jobs  one job each: job_commit, job_verify, ... (the folder holds jobs)
allowed() {
	case "$1:$2" in
	util:blog | util:blog_* | util:errmsg_* | util:pacl_* | util:alloc_* | \
	util:grow_* | util:cescape_* | util:env_* | util:smallfile_* | \
	util:malloc_conf) return 0 ;;
	md5:iso_md5_start | md5:iso_md5_compute | md5:iso_md5_clone | \
	md5:iso_md5_end | jobs:job_*) return 0 ;;
	# AddressSanitizer's own marker beside every exported variable
	*:__odr_asan.*) return 0 ;;
	esac
	return 1
}

bad=0
for lib in "$@"; do
	mod=$(basename "$lib" .a)
	mod=${mod#lib}
	syms=$("$NM" -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' |
		sort -u) || { echo "check_names: $NM failed on $lib"; exit 1; }
	for s in $syms; do
		case "$s" in "${mod}"_*) continue ;; esac
		allowed "$mod" "$s" && continue
		echo "$mod: $s"
		bad=1
	done
done
[ "$bad" = 0 ] && echo "check_names: $# libraries, every export prefixed"
exit "$bad"
