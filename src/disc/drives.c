/* drives.c — --list-drives: the optical drives libburn can see, with the
 * medium in each. Runs before any disc is open (burn_drive_scan demands
 * that no drive is grabbed). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "disc/disc_int.h"

/* The profile name of the loaded medium, or why there is none. */
static void drive_media(struct burn_drive *drive, char name[80])
{
	int pno = 0;

	snprintf(name, 80, "(cannot grab)");
	if (burn_drive_grab(drive, 0) != 1)
		return;
	if (burn_disc_get_profile(drive, &pno, name) <= 0 || !name[0])
		snprintf(name, 80, "no medium");
	burn_drive_release(drive, 0);
}

static int scan(struct burn_drive_info **list, unsigned int *n)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int r;

	while ((r = burn_drive_scan(list, n)) == 0)
		nanosleep(&tick, NULL);
	disc_drain_msgs();
	return r > 0 ? 0 : -EIO;
}

int disc_list_drives(char **out)
{
	struct burn_drive_info *list = NULL;
	char adr[BURN_DRIVE_ADR_LEN], media[80];
	unsigned int n = 0, i;
	size_t size = 0;
	FILE *f;
	int r;

	*out = NULL;
	r = scan(&list, &n);
	if (r < 0)
		return r;
	f = open_memstream(out, &size);
	if (!f) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (burn_drive_get_adr(&list[i], adr) <= 0)
			continue;
		drive_media(list[i].drive, media);
		fprintf(f, "%s  %s %s  %s\n", adr, list[i].vendor,
			list[i].product, media);
	}
	if (n == 0)
		fprintf(f, "no drives found\n");
	if (fclose(f) != 0)
		r = -ENOMEM;
out:
	if (list)
		burn_drive_info_free(list);
	disc_drain_msgs();
	return r;
}
