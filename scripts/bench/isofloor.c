/* isofloor — the bench's libisofs floor for a one-file commit: what no
 * program built on libisoburn can skip to add one file to an image as a
 * new session with the extensions burnfs writes with (Rock Ridge, Joliet,
 * AAIP, hard links, file and session MD5s) and its relaxations but two
 * that only add work (Joliet in UTF-16, directories' own mtimes): a floor
 * no higher than burnfs's.
 *
 *   isofloor IMAGE FILE ISO_PATH
 *
 * It loads the newest session's tree, adds FILE at ISO_PATH (whose folder
 * must exist), writes the session and activates it; nothing else: no
 * read-back check before the publish, no index, no staging. It prints
 * two lines of seconds:
 *
 *   floor S    isoburn_prepare_disc (libisofs lays out every directory
 *              record of the new session) until the write is done: the
 *              part no program can make cheaper, whatever it does around
 *   total S    the whole run, a naive program's commit
 *
 * The floor against xorriso's whole run on the same image says how far
 * below xorriso a program on these libraries can go at all (phase h).
 * Exit 0 written, 1 on any failure (a line on stderr). */
#include <stdint.h>
#include <libisofs/libisofs.h>
#include <libburn/libburn.h>
#include <libisoburn/libisoburn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	fprintf(stderr, "isofloor: %s failed\n", what);
	return 1;
}

static int add_file(IsoImage *img, const char *file, const char *path)
{
	char dir[4096], abs[PATH_MAX];
	char *slash;
	IsoNode *parent = NULL;
	IsoNode *node = NULL;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (iso_tree_path_to_node(img, *dir ? dir : "/", &parent) != 1 ||
	    !parent || iso_node_get_type(parent) != LIBISO_DIR)
		return -1;
	/* libisofs finds local files by absolute path only */
	if (!realpath(file, abs))
		return -1;
	return iso_tree_add_new_node(img, (IsoDir *)parent, slash + 1, abs,
				     &node) < 0 ? -1 : 0;
}

static struct isoburn_imgen_opts *image_opts(void)
{
	struct isoburn_imgen_opts *o = NULL;

	if (isoburn_igopt_new(&o, 0) <= 0)
		return NULL;
	isoburn_igopt_set_level(o, 3);
	isoburn_igopt_set_extensions(o, isoburn_igopt_rockridge |
				     isoburn_igopt_joliet |
				     isoburn_igopt_hardlinks |
				     isoburn_igopt_aaip |
				     isoburn_igopt_session_md5 |
				     isoburn_igopt_file_md5);
	isoburn_igopt_set_relaxed(o, isoburn_igopt_allow_deep_paths |
				  isoburn_igopt_allow_longer_paths |
				  isoburn_igopt_joliet_longer_paths |
				  isoburn_igopt_joliet_long_names |
				  isoburn_igopt_always_gmt);
	isoburn_igopt_set_sort_files(o, 1);
	isoburn_igopt_set_fifo_size(o, 4 << 20);
	return o;
}

static int write_session(struct burn_drive *drive)
{
	struct isoburn_imgen_opts *o = image_opts();
	struct burn_disc *disc = NULL;
	struct burn_write_opts *wo = NULL;
	struct burn_progress p;
	double t0 = now();
	int ret = 1;

	if (!o || isoburn_prepare_disc(drive, &disc, o) <= 0) {
		fail("isoburn_prepare_disc");
		goto out;
	}
	wo = burn_write_opts_new(drive);
	burn_write_opts_set_multi(wo, 1);
	burn_write_opts_set_underrun_proof(wo, 1);
	isoburn_disc_write(wo, disc);
	while (burn_drive_get_status(drive, &p) != BURN_DRIVE_IDLE)
		usleep(10000);
	if (isoburn_drive_wrote_well(drive) <= 0) {
		fail("the write");
		goto out;
	}
	printf("floor %.3f\n", now() - t0);
	if (isoburn_activate_session(drive) <= 0) {
		fail("isoburn_activate_session");
		goto out;
	}
	ret = 0;
out:
	if (wo)
		burn_write_opts_free(wo);
	if (disc)
		burn_disc_free(disc);
	if (o)
		isoburn_igopt_destroy(&o, 0);
	return ret;
}

int main(int argc, char **argv)
{
	struct burn_drive_info *info = NULL;
	struct isoburn_read_opts *ro = NULL;
	IsoImage *img = NULL;
	char addr[4096 + 8];
	char msg[1024];
	double t0 = now();
	int ret = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: isofloor IMAGE FILE ISO_PATH\n");
		return 2;
	}
	if (!isoburn_initialize(msg, 0))
		return fail("isoburn_initialize");
	burn_msgs_set_severities("NEVER", "FAILURE", "isofloor: ");
	snprintf(addr, sizeof(addr), "stdio:%s", argv[1]);
	if (isoburn_drive_scan_and_grab(&info, addr, 1) <= 0)
		return fail("grabbing the image");
	if (isoburn_ropt_new(&ro, 0) <= 0)
		goto out;
	isoburn_ropt_set_extensions(ro, isoburn_ropt_noiso1999);
	if (isoburn_read_image(info[0].drive, ro, &img) <= 0) {
		fail("isoburn_read_image");
		goto out;
	}
	if (add_file(img, argv[2], argv[3])) {
		fail("adding the file");
		goto out;
	}
	ret = write_session(info[0].drive);
	if (!ret)
		printf("total %.3f\n", now() - t0);
out:
	isoburn_ropt_destroy(&ro, 0);
	if (img)
		iso_image_unref(img);
	isoburn_drive_release(info[0].drive, 0);
	isoburn_finish();
	return ret;
}
