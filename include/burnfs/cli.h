/* cli.h — the `burnfs COMMAND MOUNTPOINT` front end for people and scripts.
 * It drives a mounted burnfs only through the mount's public files
 * (control, abort, wait, pending, sessions/): no FUSE, no disc libraries.
 * The daemon's main() hands over when the first argument is a command. */
#ifndef BURNFS_CLI_H
#define BURNFS_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Is `word` (argv[1]) one of the commands (commit, status, wait, help, ...)?
 * A TARGET named like one is written ./NAME. */
bool cli_is_command(const char *word);
/* Is path a burnfs mount or inside one? (statfs and mountinfo, quietly) */
bool cli_in_burnfs_mount(const char *path);
/* One line per command ("    burnfs commit MOUNTPOINT ...  what it does"),
 * for the daemon's --help. */
void cli_print_commands(FILE *out);
/* Run `burnfs COMMAND ARGS...` (argv[1] is the command). Returns the exit
 * status: 0, or one of the codes documented in burnfs(1) (enum in
 * src/cli/cli_priv.h). */
int cli_main(int argc, char **argv);

#endif
