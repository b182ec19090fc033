/* show.c — progress of a running job, from the status keys the daemon
 * computes (progress_percent, bytes_done, bytes_total, bytes_per_second,
 * eta_seconds): a bar redrawn in place on a terminal, a plain line at every
 * tenth done otherwise (once the size is known: a job refused at its start
 * prints nothing but its reason). Progress goes to stderr, results to stdout. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli_priv.h"

static FILE *out_f;

void cli_show_init(struct show *sh, FILE *out)
{
	memset(sh, 0, sizeof(*sh));
	out_f = out;
	sh->tty = isatty(fileno(out));
	sh->last_tenth = -1;
}

void cli_show_bytes(uint64_t n, char *out, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%" PRIu64 " B", n);
	else
		snprintf(out, size, "%.1f %s", v, units[u]);
}

/* "148.0 MiB of 400.0 MiB, 52.3 MiB/s, 0:05 left" (what is known). */
static void figures(const struct status *s, char *out, size_t size)
{
	char done[32], total[32], rate[32], eta[32] = "";
	uint64_t bps = cli_status_num(s, "bytes_per_second");
	char e[16];
	long left;

	cli_show_bytes(cli_status_num(s, "bytes_done"), done, sizeof(done));
	cli_show_bytes(cli_status_num(s, "bytes_total"), total, sizeof(total));
	cli_show_bytes(bps, rate, sizeof(rate));
	cli_status_get(s, "eta_seconds", e, sizeof(e));
	left = strtol(e, NULL, 10);
	if (e[0] && left >= 0)
		snprintf(eta, sizeof(eta), ", %ld:%02ld left", left / 60, left % 60);
	snprintf(out, size, "%s of %s%s%s%s", done, total, bps ? ", " : "",
		 bps ? strcat(rate, "/s") : "", eta);
}

static int columns(void)
{
	struct winsize ws;

	if (ioctl(fileno(out_f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

static void draw_bar(struct show *sh, const char *state, int pct,
		     const char *fig)
{
	char bar[256];
	int width = columns() - (int)strlen(state) - (int)strlen(fig) - 12;
	int full;

	if (width > (int)sizeof(bar) - 1)
		width = (int)sizeof(bar) - 1;
	if (width < 10)
		width = 10;
	full = width * pct / 100;
	memset(bar, '#', (size_t)full);
	memset(bar + full, '-', (size_t)(width - full));
	bar[width] = '\0';
	fprintf(out_f, "\r\033[K%s [%s] %3d%%  %s", state, bar, pct, fig);
	fflush(out_f);
	sh->drawn = true;
}

void cli_show_progress(struct show *sh, const struct status *s)
{
	char state[32], fig[160];
	int pct = (int)cli_status_num(s, "progress_percent");

	cli_status_get(s, "state", state, sizeof(state));
	if (strcmp(state, "idle") == 0 || !state[0])
		return;
	if (strcmp(state, sh->last_state) != 0) {
		cli_show_done(sh);
		sh->last_tenth = -1;
		snprintf(sh->last_state, sizeof(sh->last_state), "%s", state);
	}
	figures(s, fig, sizeof(fig));
	if (sh->tty) {
		draw_bar(sh, state, pct, fig);
	} else if (pct / 10 > sh->last_tenth &&
		   cli_status_num(s, "bytes_total") > 0) {
		sh->last_tenth = pct / 10;
		fprintf(out_f, "%s: %d%% (%s)\n", state, pct, fig);
		fflush(out_f);
	}
}

void cli_show_done(struct show *sh)
{
	if (sh->tty && sh->drawn)
		fputc('\n', out_f);
	sh->drawn = false;
}
