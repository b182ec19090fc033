/* test_cli.c — the burnfs command's parts that need no mount: exit codes,
 * status lines, byte figures, command words. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/cli.h"
#include "cli/cli_priv.h"
#include "check.h"

static void test_codes(void)
{
	CHECK_EQ(cli_exit_for_errno(0, "commit"), 0);
	CHECK_EQ(cli_exit_for_errno(EINVAL, "set"), 2);
	CHECK_EQ(cli_exit_for_errno(EBUSY, "commit"), 4);
	CHECK_EQ(cli_exit_for_errno(ENOSPC, "commit"), 5);
	CHECK_EQ(cli_exit_for_errno(EROFS, "commit"), 6);
	CHECK_EQ(cli_exit_for_errno(ENOMEDIUM, "blank"), 7);
	CHECK_EQ(cli_exit_for_errno(ECANCELED, "commit"), 8);
	CHECK_EQ(cli_exit_for_errno(EIO, "verify"), 9);
	CHECK_EQ(cli_exit_for_errno(EIO, "commit"), 10);
	CHECK_EQ(cli_exit_for_errno(ESTALE, "commit"), 11);
	CHECK_EQ(cli_exit_for_errno(EPERM, "commit"), 1);
}

static void test_status(void)
{
	struct status s = { strdup("state: committing\nbytes_done: 1048576\n"
				   "last_result: error: x: y\nvolume_id: \n") };
	char v[64];

	CHECK(cli_status_get(&s, "state", v, sizeof(v)));
	CHECK_STR(v, "committing");
	CHECK_EQ(cli_status_num(&s, "bytes_done"), 1048576);
	CHECK(cli_status_get(&s, "last_result", v, sizeof(v)));
	CHECK_STR(v, "error: x: y");
	CHECK(cli_status_get(&s, "volume_id", v, sizeof(v)));
	CHECK_STR(v, "");
	CHECK(!cli_status_get(&s, "done", v, sizeof(v)));
	CHECK(!cli_status_get(&s, "bytes", v, sizeof(v)));
	cli_status_free(&s);
}

static void test_words(void)
{
	char b[32];

	cli_show_bytes(512, b, sizeof(b));
	CHECK_STR(b, "512 B");
	cli_show_bytes(1536ull * 1024 * 1024, b, sizeof(b));
	CHECK_STR(b, "1.5 GiB");
	CHECK(cli_is_command("commit") && cli_is_command("wait") &&
	      cli_is_command("help"));
	CHECK(!cli_is_command("backup.iso") && !cli_is_command("-o") &&
	      !cli_is_command(NULL));
}

int main(void)
{
	test_codes();
	test_status();
	test_words();
	return CHECK_DONE();
}
