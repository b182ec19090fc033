/* test_control.c — command words, settings, capacity names and the job
 * model, alone. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/cescape.h"
#include "burnfs/control.h"
#include "burnfs/env.h"
#include "burnfs/errmsg.h"
#include "check.h"

static int parse(const char *text, struct command *cmd)
{
	struct errmsg em = { "" };
	int ret = control_command_parse(text, strlen(text), cmd, &em);

	CHECK(ret == 0 || em.text[0]);
	return ret;
}

static void test_commands(void)
{
	struct command cmd;

	CHECK_EQ(parse("commit\n", &cmd), 0);
	CHECK_EQ(cmd.kind, CMD_COMMIT);
	CHECK(!cmd.flag);
	CHECK_EQ(parse("  commit   close \n", &cmd), 0);
	CHECK(cmd.flag);
	CHECK_EQ(parse("blank full", &cmd), 0);
	CHECK_EQ(cmd.kind, CMD_BLANK);
	CHECK(cmd.flag);
	CHECK_EQ(parse("verify", &cmd), 0);
	CHECK_EQ(cmd.kind, CMD_VERIFY);
	CHECK_EQ(parse("abort\n", &cmd), 0);
	CHECK_EQ(cmd.kind, CMD_ABORT);
	CHECK_EQ(parse("set volid=BACKUP_1\n", &cmd), 0);
	CHECK_EQ(cmd.kind, CMD_SET);
	CHECK(strcmp(cmd.key, "volid") == 0 && strcmp(cmd.value, "BACKUP_1") == 0);
	CHECK_EQ(parse("set volid=", &cmd), 0);
	CHECK(cmd.value[0] == 0);
	CHECK_EQ(parse("frobnicate", &cmd), -EINVAL);
	CHECK_EQ(parse("", &cmd), -EINVAL);
	CHECK_EQ(parse("\n", &cmd), -EINVAL);
	CHECK_EQ(parse("commit now", &cmd), -EINVAL);
	CHECK_EQ(parse("commit close extra", &cmd), -EINVAL);
	CHECK_EQ(parse("verify full", &cmd), -EINVAL);
	CHECK_EQ(parse("set", &cmd), -EINVAL);
	CHECK_EQ(parse("set =x", &cmd), -EINVAL);
	/* the value runs to the end of the line: labels hold spaces, and
	 * a second pair is left to the key's own check to refuse */
	CHECK_EQ(parse("set volid=My  Backup 2026 \n", &cmd), 0);
	CHECK_STR(cmd.key, "volid");
	CHECK_STR(cmd.value, "My  Backup 2026");
	CHECK_EQ(parse("set a=b c=d", &cmd), 0);
	CHECK_STR(cmd.value, "b c=d");
	CHECK_EQ(control_command_parse("commit\0x", 8, &cmd, NULL), -EINVAL);
	/* one command per write: no line breaks or other control bytes
	 * inside, so no value can forge a status line */
	CHECK_EQ(parse("set volid=A\nstate:idle\n", &cmd), -EINVAL);
	CHECK_EQ(parse("set volid=A\rB", &cmd), -EINVAL);
	CHECK_EQ(parse("set volid=A\x7f", &cmd), -EINVAL);
	CHECK_EQ(parse("commit\ncommit\n", &cmd), -EINVAL);
	CHECK_EQ(parse("set\tvolid=TAB\n", &cmd), 0);
	CHECK_STR(cmd.value, "TAB");
	CHECK_EQ(parse("detach commit close\n", &cmd), 0);
	CHECK(cmd.kind == CMD_COMMIT && cmd.flag && cmd.detach);
	CHECK_EQ(parse("detach verify", &cmd), 0);
	CHECK(cmd.kind == CMD_VERIFY && cmd.detach);
	CHECK_EQ(parse("commit", &cmd), 0);
	CHECK(!cmd.detach);
	CHECK_EQ(parse("detach abort", &cmd), -EINVAL);
	CHECK_EQ(parse("detach set volid=X", &cmd), -EINVAL);
	CHECK_EQ(parse("detach", &cmd), -EINVAL);
}

/* A runner that holds its job until released: the job model alone, with
 * no disc behind it. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool release;
	int runs;
	int result;
} fake = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static int fake_run(void *arg, const char *buf, size_t len)
{
	pthread_mutex_lock(&fake.lock);
	fake.runs++;
	while (!fake.release)
		pthread_cond_wait(&fake.cond, &fake.lock);
	fake.release = false;
	pthread_mutex_unlock(&fake.lock);
	return fake.result;
}

static void fake_release(int result)
{
	pthread_mutex_lock(&fake.lock);
	fake.result = result;
	fake.release = true;
	pthread_cond_broadcast(&fake.cond);
	pthread_mutex_unlock(&fake.lock);
}

static void test_jobs(void)
{
	struct job_settings s;
	struct control *c = NULL;
	char line[600];

	job_settings_default(&s);
	CHECK_EQ(control_new(&c, NULL, NULL, &s), 0);
	control_set_runner(c, fake_run, NULL);
	CHECK_EQ(control_wait_idle(c, 0, line, sizeof(line)), 0);
	CHECK_STR(line, "none");
	CHECK_EQ(control_check_idle(c), 0);
	/* detached: accepted at once; a second job is refused; writers of
	 * control are not refused at open while nobody waits in it */
	CHECK_EQ(control_run(c, "detach commit\n", 14), 0);
	CHECK_EQ(control_run(c, "verify", 6), -EBUSY);
	CHECK_EQ(control_check_idle(c), 0);
	CHECK_EQ(control_wait_idle(c, 50, line, sizeof(line)), -ETIMEDOUT);
	CHECK_EQ(control_run(c, "set volid=X", 11), 0);
	fake_release(-ENOSPC);
	CHECK_EQ(control_wait_idle(c, -1, line, sizeof(line)), -ENOSPC);
	CHECK_STR(line, "commit: error: No space left on device");
	/* a bad command while idle changes last_result, not the job's */
	CHECK_EQ(control_run(c, "frob", 4), -EINVAL);
	CHECK_EQ(control_wait_idle(c, 0, line, sizeof(line)), -ENOSPC);
	fake_release(0);  /* the next job ends at once */
	CHECK_EQ(control_run(c, "commit close", 12), 0);
	CHECK_EQ(control_wait_idle(c, 0, line, sizeof(line)), 0);
	CHECK_STR(line, "commit close: ok");
	CHECK_EQ(fake.runs, 2);
	control_free(c);
}

static void test_settings(void)
{
	struct job_settings s = { .joliet = true };
	struct errmsg em = { "" };

	CHECK_EQ(control_settings_set(&s, "joliet", "off", &em), 0);
	CHECK(!s.joliet);
	CHECK_EQ(control_settings_set(&s, "simulate", "on", &em), 0);
	CHECK(s.simulate);
	CHECK_EQ(control_settings_set(&s, "simulate", "maybe", &em), -EINVAL);
	CHECK(s.simulate);
	CHECK(strstr(em.text, "simulate") != NULL);
	CHECK_EQ(control_settings_set(&s, "volid", "A\nstate: idle", &em), -EINVAL);
	CHECK_EQ(control_settings_set(&s, "volid", "A\tB", &em), -EINVAL);
	CHECK(!s.volid[0]);
	CHECK_EQ(control_settings_set(&s, "speed", "max", &em), 0);
	CHECK_EQ(s.speed_kbps, 0);
	CHECK_EQ(control_settings_set(&s, "speed", "4000", &em), 0);
	CHECK_EQ(s.speed_kbps, 4000);
	CHECK_EQ(control_settings_set(&s, "speed", "-3", &em), -EINVAL);
	CHECK_EQ(control_settings_set(&s, "speed", "12x", &em), -EINVAL);
	CHECK_EQ(control_settings_set(&s, "speed", "4000 joliet=off", &em), -EINVAL);
	CHECK_EQ(control_settings_set(&s, "joliet", "on speed=4", &em), -EINVAL);
	CHECK_EQ(control_settings_set(&s, "volid", "My Backup", &em), 0);
	CHECK_STR(s.volid, "My Backup");
	CHECK_EQ(control_settings_set(&s, "volid", "A joliet=off", &em), -EINVAL);
	CHECK(strstr(em.text, "one setting per command") != NULL);
	CHECK_STR(s.volid, "My Backup");
	CHECK_EQ(control_settings_set(&s, "volid", "A=B C x=1", &em), 0);
	CHECK_EQ(s.speed_kbps, 4000);
	CHECK_EQ(control_settings_set(&s, "volid", "PHOTOS_2026", &em), 0);
	CHECK(strcmp(s.volid, "PHOTOS_2026") == 0);
	CHECK_EQ(control_settings_set(&s, "volid", "123456789012345678901234567890123", &em),
		 -EINVAL);
	CHECK_EQ(control_settings_set(&s, "colour", "red", &em), -EINVAL);
	CHECK(strstr(em.text, "unknown setting") != NULL);
}

static void test_capacity(void)
{
	uint64_t b = 0;

	CHECK_EQ(control_parse_capacity("cd", &b), 0);
	CHECK(b > 700000000ull && b < 740000000ull);
	CHECK_EQ(control_parse_capacity("dvd", &b), 0);
	CHECK_EQ(b, 4700372992ull);
	CHECK_EQ(control_parse_capacity("BD", &b), 0);
	CHECK_EQ(b, 25025314816ull);
	CHECK_EQ(control_parse_capacity("bd-dl", &b), 0);
	CHECK_EQ(control_parse_capacity("bd-xl", &b), 0);
	CHECK_EQ(control_parse_capacity("dvd-dl", &b), 0);
	CHECK_EQ(control_parse_capacity("20M", &b), 0);
	CHECK_EQ(b, 20ull << 20);
	CHECK_EQ(control_parse_capacity("25G", &b), 0);
	CHECK_EQ(b, 25ull << 30);
	CHECK_EQ(control_parse_capacity("4096", &b), 0);
	CHECK_EQ(b, 4096);
	CHECK_EQ(control_parse_capacity("1KB", &b), 0);
	CHECK_EQ(b, 1024);
	CHECK_EQ(control_parse_capacity("0", &b), -EINVAL);
	CHECK_EQ(control_parse_capacity("-5M", &b), -EINVAL);
	CHECK_EQ(control_parse_capacity("big", &b), -EINVAL);
	CHECK_EQ(control_parse_capacity("5X", &b), -EINVAL);
	CHECK_EQ(control_parse_capacity("", &b), -EINVAL);
	CHECK_EQ(control_parse_capacity("99999999999999999999T", &b), -EINVAL);
}

/* Values of the status and paths of pending stay on one line. */
static void test_escapes(void)
{
	char *text = NULL, *q;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	CHECK(out != NULL);
	if (!out)
		return;
	cescape_put(out, "a\nstate: idle\\ \"q\" \x01\x7f\t", false);
	CHECK(fclose(out) == 0);
	CHECK(!strcmp(text, "a\\nstate: idle\\\\ \"q\" \\001\\177\\t"));
	free(text);
	CHECK(!cescape_needed("plain name \"q\" é", false));
	CHECK(cescape_needed("plain name \"q\"", true));
	q = cescape_quote_path("a b");
	CHECK(q && !strcmp(q, "a b"));
	free(q);
	q = cescape_quote_path("x\ny\"");
	CHECK(q && !strcmp(q, "\"x\\ny\\\"\""));
	free(q);
	/* into a buffer: cut before an escape or a character that does not
	 * fit whole */
	char buf[8];
	cescape_buf(buf, 6, "ab\ncd");
	CHECK(!strcmp(buf, "ab\\nc"));
	cescape_buf(buf, 4, "ab\ncd");
	CHECK(!strcmp(buf, "ab"));
	cescape_buf(buf, 3, "a\xc3\xa9");
	CHECK(!strcmp(buf, "a"));
	cescape_buf(buf, 4, "a\xc3\xa9");
	CHECK(!strcmp(buf, "a\xc3\xa9"));
}

/* The daemon's knobs: a whole number or the default. */
static void test_env(void)
{
	static const char *const bad[] = { "", "12a", "-1", "off", " 5" };

	unsetenv("BURNFS_TEST_KNOB");
	CHECK_EQ(env_u64("BURNFS_TEST_KNOB", 7), 7);
	setenv("BURNFS_TEST_KNOB", "12", 1);
	CHECK_EQ(env_u64("BURNFS_TEST_KNOB", 7), 12);
	setenv("BURNFS_TEST_KNOB", "0", 1);
	CHECK_EQ(env_u64("BURNFS_TEST_KNOB", 7), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("BURNFS_TEST_KNOB", bad[i], 1);
		CHECK_EQ(env_u64("BURNFS_TEST_KNOB", 7), 7);
	}
	unsetenv("BURNFS_TEST_KNOB");
}

int main(void)
{
	test_escapes();
	test_env();
	test_commands();
	test_settings();
	test_capacity();
	test_jobs();
	return CHECK_DONE();
}
