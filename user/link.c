// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "link.h"
#include "out.h"
#include "pins.h"
#include "ptctl.skel.h"

/* tcx (kernel 6.6): newer than the uapi headers libbpf 1.1 builds against. */
#define PT_BPF_TCX_EGRESS 47

static const struct hook {
	const char *pin;  /* in the instance's pin directory */
	const char *prog; /* the program it runs */
	const char *name; /* as messages say it */
	int type;	  /* enum bpf_attach_type */
} hooks[PT_N_HOOKS] = {
	[PT_HOOK_XDP] = { "link_xdp", "pt_xdp_in", "XDP", BPF_XDP },
	[PT_HOOK_TC_OUT] = { "link_tc_out", "pt_tc_out", "TC egress", PT_BPF_TCX_EGRESS },
};

const char *pt_hook_name(enum pt_hook h)
{
	return hooks[h].name;
}

static void pin_path(const char *dir, enum pt_hook h, char *buf)
{
	snprintf(buf, PT_PIN_MAX, "%s/%s", dir, hooks[h].pin);
}

static int prog_fd(const struct ptctl *skel, enum pt_hook h)
{
	return bpf_program__fd(bpf_object__find_program_by_name(skel->obj, hooks[h].prog));
}

/* Link info: the program and the ifindex (0 once the interface is gone). */
static int link_info(int fd, __u32 *prog_id, __u32 *ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	*prog_id = info.prog_id;
	/* xdp.ifindex and tcx.ifindex both open the union. */
	*ifindex = info.xdp.ifindex;
	return 0;
}

/* A link for hook h; XDP in native mode, or generic (*generic, or native is unsupported). */
static int create(enum pt_hook h, int ifindex, const struct ptctl *skel, bool *generic,
		  bool fallback)
{
	LIBBPF_OPTS(bpf_link_create_opts, o);
	int fd;

	if (h != PT_HOOK_XDP)
		return bpf_link_create(prog_fd(skel, h), ifindex, hooks[h].type, &o);
	o.flags = *generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(prog_fd(skel, h), ifindex, BPF_XDP, &o);
	if (fd != -EOPNOTSUPP || *generic || !fallback)
		return fd;
	*generic = true;
	o.flags = XDP_FLAGS_SKB_MODE;
	return bpf_link_create(prog_fd(skel, h), ifindex, BPF_XDP, &o);
}

int pt_links_attach(const char *dir, int ifindex, const struct ptctl *skel, bool *generic,
		    bool fallback)
{
	char path[PT_PIN_MAX];
	int fd[PT_N_HOOKS], h, err = 0;

	for (h = 0; h < PT_N_HOOKS; h++) {
		fd[h] = create(h, ifindex, skel, generic, fallback);
		if (fd[h] < 0) {
			err = fd[h];
			if (h == PT_HOOK_XDP && (err == -EBUSY || err == -EEXIST))
				pt_error("the interface already has an XDP program; ptctl needs the XDP hook");
			else
				pt_error("cannot attach %s%s: %s", hooks[h].name,
					 h == PT_HOOK_XDP ? (*generic ? " (generic mode)" : " (native mode)") : "",
					 strerror(-err));
			break;
		}
		pin_path(dir, h, path);
		if (bpf_obj_pin(fd[h], path)) {
			err = pt_error("cannot pin %s: %s", path, strerror(errno));
			close(fd[h]);
			break;
		}
	}
	/* Undo on failure: unpinned and closed, a link detaches itself. */
	while (h-- > 0) {
		if (err) {
			pin_path(dir, h, path);
			unlink(path);
		}
		close(fd[h]);
	}
	return err ? -1 : 0;
}

/*
 * Points the link pinned for h at prog (an fd); *old gets the fd of the
 * program it ran (to close), on success only.
 */
static int swap(const char *dir, enum pt_hook h, int prog, int *old)
{
	char path[PT_PIN_MAX];
	__u32 old_id, ifindex;
	int fd, old_fd = -1, err = -1;

	pin_path(dir, h, path);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !link_info(fd, &old_id, &ifindex) &&
	    (old_fd = bpf_prog_get_fd_by_id(old_id)) >= 0) {
		LIBBPF_OPTS(bpf_link_update_opts, o, .flags = BPF_F_REPLACE, .old_prog_fd = old_fd);

		err = bpf_link_update(fd, prog, &o);
	}
	if (err) {
		pt_error("cannot replace the %s program: %s", hooks[h].name, strerror(errno));
		if (old_fd >= 0)
			close(old_fd);
	}
	*old = err ? -1 : old_fd;
	if (fd >= 0)
		close(fd);
	return err;
}

int pt_links_update(const char *dir, const struct ptctl *skel)
{
	int old[PT_N_HOOKS], h, err = 0, undone;

	for (h = 0; h < PT_N_HOOKS && !err; h++)
		err = swap(dir, h, prog_fd(skel, h), &old[h]);
	if (err)
		h--; /* the one that failed holds nothing */
	/* On failure, the hooks swapped already get their old programs back. */
	while (h-- > 0) {
		if (err && !swap(dir, h, old[h], &undone))
			close(undone);
		close(old[h]);
	}
	return err;
}

int pt_links_detach(const char *dir)
{
	char path[PT_PIN_MAX];
	int ret = 0;

	for (int h = 0; h < PT_N_HOOKS; h++) {
		int fd;

		pin_path(dir, h, path);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		/* Explicitly: another process may hold the link open. */
		if (bpf_link_detach(fd) && errno != EINVAL)
			ret = pt_error("cannot detach %s: %s", hooks[h].name, strerror(errno));
		close(fd);
		unlink(path);
	}
	return ret;
}

/* Does the hook h of ifindex run the program prog_id? */
static bool hook_runs(enum pt_hook h, int ifindex, __u32 prog_id)
{
	__u32 ids[64], n = 64, id = 0;

	if (h == PT_HOOK_XDP) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		return !bpf_xdp_query(ifindex, 0, &q) && (q.drv_prog_id == prog_id ||
							  q.skb_prog_id == prog_id);
	}
	if (bpf_prog_query(ifindex, hooks[h].type, 0, NULL, ids, &n))
		return false;
	while (n--)
		id |= ids[n] == prog_id;
	return id;
}

void pt_links_attached(const char *dir, int ifindex, bool attached[PT_N_HOOKS])
{
	char path[PT_PIN_MAX];
	__u32 prog_id, link_ifindex;

	for (int h = 0; h < PT_N_HOOKS; h++) {
		int fd;

		pin_path(dir, h, path);
		fd = bpf_obj_get(path);
		attached[h] = fd >= 0 && ifindex && !link_info(fd, &prog_id, &link_ifindex) &&
			      link_ifindex == (__u32)ifindex && hook_runs(h, ifindex, prog_id);
		if (fd >= 0)
			close(fd);
	}
}

static bool ours(__u32 prog_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id);
	bool ret = false;

	if (fd < 0)
		return false;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (int h = 0; h < PT_N_HOOKS; h++)
			ret |= !strcmp(info.name, hooks[h].prog);
	close(fd);
	return ret;
}

/*
 * ptctl's programs running on the hooks of ifindex, as this namespace sees
 * them (an ifindex alone names a device in every namespace): ids[n].
 */
static int attached_ours(int ifindex, __u32 *ids, int max)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 tcx[64], n_tcx = 64;
	int n = 0;

	if (!bpf_xdp_query(ifindex, 0, &q)) {
		if (q.drv_prog_id && ours(q.drv_prog_id))
			ids[n++] = q.drv_prog_id;
		if (q.skb_prog_id && ours(q.skb_prog_id))
			ids[n++] = q.skb_prog_id;
	}
	if (!bpf_prog_query(ifindex, PT_BPF_TCX_EGRESS, 0, NULL, tcx, &n_tcx))
		for (__u32 i = 0; i < n_tcx && n < max; i++)
			if (ours(tcx[i]))
				ids[n++] = tcx[i];
	return n;
}

/* The links running those programs, wherever pinned or held: detached. */
static int detach_links(int ifindex)
{
	__u32 ids[8], id = 0, prog_id, link_ifindex;
	int n_ids = attached_ours(ifindex, ids, 8), n = 0;

	while (n_ids && !bpf_link_get_next_id(id, &id)) {
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!link_info(fd, &prog_id, &link_ifindex) && link_ifindex == (__u32)ifindex)
			for (int i = 0; i < n_ids; i++)
				if (ids[i] == prog_id && !bpf_link_detach(fd))
					n++;
		close(fd);
	}
	return n;
}

/* XDP programs and TC filters of ptctl attached the old way, without links. */
static int detach_legacy(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = 1, .priority = 0x7074);
	int n = 0;

	if (!bpf_xdp_query(ifindex, 0, &q)) {
		if (q.drv_prog_id && ours(q.drv_prog_id) &&
		    !bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL))
			n++;
		if (q.skb_prog_id && ours(q.skb_prog_id) &&
		    !bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL))
			n++;
	}
	for (int point = BPF_TC_INGRESS; point <= BPF_TC_EGRESS; point <<= 1) {
		hook.attach_point = point;
		if (!bpf_tc_query(&hook, &tc) && ours(tc.prog_id)) {
			tc.prog_id = tc.prog_fd = tc.flags = 0;
			n += !bpf_tc_detach(&hook, &tc);
		}
		tc.prog_id = tc.prog_fd = tc.flags = 0;
	}
	return n;
}

int pt_links_force_detach(int ifindex)
{
	return detach_links(ifindex) + detach_legacy(ifindex);
}
