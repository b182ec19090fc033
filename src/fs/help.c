/* help.c — burnfs --help: burnfs's own words (the mount, its options, its
 * files, the commands), not libfuse's list of modules. */
#include <stdio.h>

#include "burnfs/cli.h"
#include "fs/startup.h"

void fs_usage(void)
{
	fprintf(stderr, "usage: burnfs [-o OPTIONS] TARGET MOUNTPOINT "
		"(burnfs --help)\n");
}

static void options_help(void)
{
	printf("Options:\n"
	       "    -o cache=DIR           where staged data lives (default: one folder\n"
	       "                           per target under ~/.cache/burnfs/)\n"
	       "    -o capacity=SIZE       medium size for an image: cd, dvd, dvd-dl,\n"
	       "                           bd, bd-dl, bd-xl, or e.g. 20M, 25G\n"
	       "    -o volid=LABEL         volume id of the next sessions\n"
	       "    -o joliet=on|off       Joliet tree for Windows readers (on)\n"
	       "    -o speed=N|max         write speed in kB/s (max)\n"
	       "    -o simulate=on|off     dummy burns: nothing is written (off)\n"
	       "    -o compress=zisofs|none  zisofs-compress new files (none)\n"
	       "    -o log=FILE            log here (default: syslog, or CACHE/burnfs.log\n"
	       "                           where there is no syslog; -f: stderr)\n"
	       "    -o allow_other, allow_root, ro, auto_unmount, ...\n"
	       "                           the usual FUSE mount options (entries keep\n"
	       "                           their recorded owners: no uid=, gid=, umask=)\n"
	       "    -f                     stay in the foreground, log to stderr\n"
	       "    -d                     debug: -f with a trace of every FUSE request\n"
	       "    --list-drives          list optical drives and their media\n"
	       "    -h, --help             this help;  -V, --version  the version\n\n");
}

void fs_help(void)
{
	printf("usage: burnfs [-o OPTIONS] TARGET MOUNTPOINT\n"
	       "       burnfs COMMAND MOUNTPOINT [OPTIONS]\n"
	       "       burnfs --list-drives\n\n"
	       "Mounts TARGET, a disc image file (created as a blank disc when missing)\n"
	       "or an optical drive such as /dev/sr0, on MOUNTPOINT and returns once it\n"
	       "is mounted. Copy files into MOUNTPOINT/staging, then `burnfs commit\n"
	       "MOUNTPOINT` (or `echo commit > MOUNTPOINT/control`) burns them as a new\n"
	       "session. Unmount with `fusermount3 -u MOUNTPOINT`.\n\n");
	options_help();
	printf("Files in MOUNTPOINT: staging/ (the next session), control (commands in,\n"
	       "status out), pending, sessions/N/, abort (write: abort the running job),\n"
	       "wait (read: blocks until no job runs; fails with the job's errno).\n\n"
	       "Commands:\n");
	cli_print_commands(stdout);
	printf("\nSee burnfs(1) for the status keys, errors and exit codes.\n");
}
