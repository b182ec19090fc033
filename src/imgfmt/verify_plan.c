/* verify_plan.c — collect, under the library lock, what job_verify will
 * read: the newest session's MD5 range and every file that has a recorded
 * MD5, with its extents. The reading itself then needs no libisofs. */
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/grow.h"
#include "imgfmt/imgfmt_priv.h"
#include "burnfs/log.h"

struct walk {
	IsoImage *img;
	struct imgfmt_plan *plan;
	char path[PATH_MAX];
};

/* The bytes the medium holds for file, which its MD5 was recorded over:
 * a zisofs-compressed file's stream is the inflating filter the loader
 * put on top of what is stored. */
static uint64_t stored_size(IsoFile *file)
{
	IsoStream *base = iso_stream_get_input_stream(iso_file_get_stream(file), 1);

	return base ? (uint64_t)iso_stream_get_size(base)
		    : (uint64_t)iso_file_get_size(file);
}

/* The file's extents on the medium, as the plan's own type. -ENOENT: the
 * loader knows of none; -ENOMEM. */
static int take_sections(IsoFile *file, struct imgfmt_plan_file *vf)
{
	struct iso_file_section *sec = NULL;
	int n = 0;

	if (iso_file_get_old_image_sections(file, &n, &sec, 0) < 0)
		return -ENOENT;
	vf->sec = n > 0 ? calloc((size_t)n, sizeof(*vf->sec)) : NULL;
	if (n > 0 && !vf->sec) {
		free(sec);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		vf->sec[i] = (struct idx_extent){ sec[i].block, sec[i].size };
	vf->n_sec = n;
	free(sec);
	return 0;
}

static int add_file(struct walk *w, IsoFile *file)
{
	struct imgfmt_plan *p = w->plan;
	struct imgfmt_plan_file *vf;
	char md5[16];
	int ret;

	if (iso_file_get_md5(w->img, file, md5, 0) != 1)
		return 0;   /* nothing recorded: nothing to check */
	ret = GROW(&p->files, &p->cap, (size_t)p->n + 1, 256);
	if (ret)
		return ret;
	vf = &p->files[p->n];
	memset(vf, 0, sizeof(*vf));
	memcpy(vf->md5, md5, 16);
	vf->size = stored_size(file);
	ret = take_sections(file, vf);
	if (ret == 0 && vf->n_sec == 0 && vf->size > 0)
		ret = -ENOENT;
	if (ret == -ENOENT) {
		blog_warn("verify: %s has no extents on the medium; skipped", w->path);
		free(vf->sec);
		return 0;
	}
	vf->path = ret ? NULL : strdup(w->path);
	if (!vf->path) {
		free(vf->sec);
		return -ENOMEM;
	}
	p->n++;
	p->total_bytes += vf->size;
	return 0;
}

static int walk_dir(struct walk *w, IsoDir *dir)
{
	size_t plen = strlen(w->path);
	IsoDirIter *it = NULL;
	IsoNode *n;
	int rc = 0;

	if (iso_dir_get_children(dir, &it) < 0)
		return -ENOMEM;
	while (!rc && iso_dir_iter_next(it, &n) == 1) {
		enum IsoNodeType t = iso_node_get_type(n);

		snprintf(w->path + plen, sizeof(w->path) - plen, "/%s",
			 iso_node_get_name(n));
		if (t == LIBISO_FILE)
			rc = add_file(w, (IsoFile *)n);
		else if (t == LIBISO_DIR)
			rc = walk_dir(w, (IsoDir *)n);
		w->path[plen] = '\0';
	}
	iso_dir_iter_free(it);
	return rc;
}

int imgfmt_verify_plan_locked(struct disc *d, struct imgfmt_plan *plan, struct errmsg *em)
{
	struct walk w = { .plan = plan };
	int rc;

	memset(plan, 0, sizeof(*plan));
	rc = imgfmt_load_image_locked(d, 0, &w.img, em);
	if (rc)
		return rc;
	plan->has_session = iso_image_get_session_md5(w.img, &plan->start,
						      &plan->end,
						      plan->session_md5, 0) == 1;
	if (plan->has_session && plan->end > plan->start)
		plan->total_bytes += (uint64_t)(plan->end - plan->start) * 2048;
	rc = walk_dir(&w, iso_image_get_root(w.img));
	if (rc)
		errmsg_set(em, rc, "cannot list the files to verify");
	iso_image_unref(w.img);
	return rc;
}

void imgfmt_verify_plan_free(struct imgfmt_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->files[i].path);
		free(plan->files[i].sec);
	}
	free(plan->files);
	memset(plan, 0, sizeof(*plan));
}
