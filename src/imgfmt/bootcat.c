/* bootcat.c — a bootable disc's El Torito boot catalog in a new session.
 * libisofs loads the catalog as a node of its own kind and writes it anew
 * with every session, its times set to the session's, so no session shows
 * it as it was loaded. burnfs shows it as an empty file (build.c), and
 * that is what every session gets: where the catalog's folder is rebuilt,
 * apply.c places an empty file (the catalog's own node is of another
 * kind); where the folder is kept, the catalog's node is swapped here for
 * an empty file with its name and attributes. libisofs then writes the
 * catalog without a name, and the disc boots the same image. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imgfmt/apply_int.h"

/* The catalog's owner, mode, times and attribute list onto f. */
static int copy_attrs(IsoNode *cat, IsoNode *f)
{
	size_t n = 0, *lens = NULL;
	char **names = NULL, **vals = NULL;
	int r = 0;

	iso_node_set_permissions(f, iso_node_get_permissions(cat));
	iso_node_set_uid(f, iso_node_get_uid(cat));
	iso_node_set_gid(f, iso_node_get_gid(cat));
	iso_node_set_atime(f, iso_node_get_atime(cat));
	iso_node_set_mtime(f, iso_node_get_mtime(cat));
	iso_node_set_ctime(f, iso_node_get_ctime(cat));
	/* A list the loader could not decode is shown without it. */
	if (imgfmt_attrs_undecodable(cat) ||
	    iso_node_get_attrs(cat, &n, &names, &lens, &vals, 1) < 0)
		return 0;
	if (n)
		r = iso_node_set_attrs(f, n, names, lens, vals, 1 | 8);
	iso_node_get_attrs(NULL, &n, &names, &lens, &vals, 1 << 15);
	return r < 0 ? r : 0;
}

static int stand_in(struct apply_ctx *c, IsoDir *dir, IsoNode *cat,
		    const char *name)
{
	IsoFile *f = NULL;
	int r;

	/* We get the folder's reference; the image keeps its own, and
	 * writes the catalog from it. */
	r = iso_node_take(cat);
	if (r < 0)
		return imgfmt_apply_fail(c, r, "stand in for the boot catalog at");
	r = imgfmt_add_empty_file(c->img, dir, name, &f);
	if (r >= 0)
		r = copy_attrs(cat, (IsoNode *)f);
	iso_node_unref(cat);
	return r < 0 ? imgfmt_apply_fail(c, r, "stand in for the boot catalog at") : 0;
}

int imgfmt_bootcat_stand_in(struct apply_ctx *c)
{
	IsoBoot *cat = NULL;
	IsoDir *dir;
	char *name;
	int r;

	/* (iso_image_get_bootcat reads through a missing catalog.) */
	r = iso_image_get_boot_image(c->img, NULL, NULL, &cat);
	if (r != 1 || !cat || !(dir = iso_node_get_parent((IsoNode *)cat)))
		return 0;
	name = strdup(iso_node_get_name((IsoNode *)cat));
	if (!name)
		return errmsg_set(c->em, -ENOMEM, "out of memory");
	r = stand_in(c, dir, (IsoNode *)cat, name);
	free(name);
	return r;
}
