// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
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
	const char *pin;  /* in the instance's pin directory (LAN: and the port's name) */
	const char *prog; /* the program it runs */
	const char *name; /* as messages say it */
	int type;	  /* enum bpf_attach_type */
} hooks[PT_N_HOOKS] = {
	[PT_HOOK_XDP] = { "link_xdp", "pt_xdp_in", "XDP", BPF_XDP },
	[PT_HOOK_TC_OUT] = { "link_tc_out", "pt_tc_out", "TC egress", PT_BPF_TCX_EGRESS },
	[PT_HOOK_LAN] = { "link_lan_", "pt_xdp_lan", "LAN XDP", BPF_XDP },
};

const char *pt_hook_name(enum pt_hook h)
{
	return hooks[h].name;
}

static void pin_path(const char *dir, const struct pt_attach *a, char *buf)
{
	snprintf(buf, PT_PIN_MAX, "%s/%s%s", dir, hooks[a->hook].pin,
		 a->hook == PT_HOOK_LAN ? a->ifname : "");
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

/* A link for a; XDP in native mode, or generic (*generic, or native is unsupported). */
static int create(const struct pt_attach *a, const struct ptctl *skel, bool *generic, bool fallback)
{
	LIBBPF_OPTS(bpf_link_create_opts, o);
	int fd, prog = prog_fd(skel, a->hook);

	if (hooks[a->hook].type != BPF_XDP)
		return bpf_link_create(prog, a->ifindex, hooks[a->hook].type, &o);
	o.flags = *generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(prog, a->ifindex, BPF_XDP, &o);
	if (fd != -EOPNOTSUPP || *generic || !fallback)
		return fd;
	*generic = true;
	o.flags = XDP_FLAGS_SKB_MODE;
	return bpf_link_create(prog, a->ifindex, BPF_XDP, &o);
}

static int attach_error(const struct pt_attach *a, bool generic, int err)
{
	if (hooks[a->hook].type == BPF_XDP && (err == -EBUSY || err == -EEXIST))
		return pt_error("%s already has an XDP program; ptctl needs the XDP hook",
				a->ifname);
	return pt_error("cannot attach %s%s to %s: %s", hooks[a->hook].name,
			hooks[a->hook].type != BPF_XDP ? "" :
			generic			       ? " (generic mode)" :
							 " (native mode)",
			a->ifname, strerror(-err));
}

int pt_links_attach(const char *dir, const struct pt_attach *att, int n, const struct ptctl *skel,
		    bool *generic, bool fallback)
{
	char path[PT_PIN_MAX];
	int fd[PT_MAX_ATTACH], i, err = 0;

	for (i = 0; i < n && i < PT_MAX_ATTACH; i++) {
		fd[i] = create(&att[i], skel, generic, fallback && att[i].hook == PT_HOOK_XDP);
		if (fd[i] < 0) {
			err = attach_error(&att[i], *generic, fd[i]);
			break;
		}
		pin_path(dir, &att[i], path);
		if (bpf_obj_pin(fd[i], path)) {
			err = pt_error("cannot pin %s: %s", path, strerror(errno));
			close(fd[i]);
			break;
		}
	}
	/* Undo on failure: unpinned and closed, a link detaches itself. */
	while (i-- > 0) {
		if (err) {
			pin_path(dir, &att[i], path);
			unlink(path);
		}
		close(fd[i]);
	}
	return err ? -1 : 0;
}

/* The hook of the link pinned as name; -1 if name is no link's. */
static int pin_hook(const char *name, char *ifname)
{
	for (int h = 0; h < PT_N_HOOKS; h++) {
		size_t len = strlen(hooks[h].pin);

		if (h == PT_HOOK_LAN && !strncmp(name, hooks[h].pin, len) && name[len] &&
		    strlen(name + len) < IF_NAMESIZE) {
			strcpy(ifname, name + len);
			return h;
		}
		if (h != PT_HOOK_LAN && !strcmp(name, hooks[h].pin))
			return h;
	}
	return -1;
}

/* The links pinned in dir, their hooks and interface names (WAN: ""). */
static int pinned(const char *dir, struct pt_attach *att, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0, h;

	while (d && (e = readdir(d)) && n < max) {
		memset(&att[n], 0, sizeof(att[n]));
		h = pin_hook(e->d_name, att[n].ifname);
		if (h >= 0)
			att[n++].hook = h;
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * Points the link pinned for a at prog (an fd); *old gets the fd of the
 * program it ran (to close), on success only.
 */
static int swap(const char *dir, const struct pt_attach *a, int prog, int *old)
{
	char path[PT_PIN_MAX];
	__u32 old_id, ifindex;
	int fd, old_fd = -1, err = -1;

	pin_path(dir, a, path);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !link_info(fd, &old_id, &ifindex) &&
	    (old_fd = bpf_prog_get_fd_by_id(old_id)) >= 0) {
		LIBBPF_OPTS(bpf_link_update_opts, o, .flags = BPF_F_REPLACE, .old_prog_fd = old_fd);

		err = bpf_link_update(fd, prog, &o);
	}
	if (err) {
		pt_error("cannot replace the %s program: %s", hooks[a->hook].name, strerror(errno));
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
	struct pt_attach att[PT_MAX_ATTACH];
	int old[PT_MAX_ATTACH], n = pinned(dir, att, PT_MAX_ATTACH), i, err = 0, undone;

	for (i = 0; i < n && !err; i++)
		err = swap(dir, &att[i], prog_fd(skel, att[i].hook), &old[i]);
	if (err)
		i--; /* the one that failed holds nothing */
	/* On failure, the links swapped already get their old programs back. */
	while (i-- > 0) {
		if (err && !swap(dir, &att[i], old[i], &undone))
			close(undone);
		close(old[i]);
	}
	return err;
}

int pt_links_detach(const char *dir)
{
	struct pt_attach att[PT_MAX_ATTACH];
	int n = pinned(dir, att, PT_MAX_ATTACH), ret = 0;
	char path[PT_PIN_MAX];

	for (int i = 0; i < n; i++) {
		int fd;

		pin_path(dir, &att[i], path);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		/* Explicitly: another process may hold the link open. */
		if (bpf_link_detach(fd) && errno != EINVAL)
			ret = pt_error("cannot detach %s: %s", hooks[att[i].hook].name,
				       strerror(errno));
		close(fd);
		unlink(path);
	}
	return ret;
}

/* Does the hook h of ifindex run the program prog_id? */
static bool hook_runs(enum pt_hook h, int ifindex, __u32 prog_id)
{
	__u32 ids[64], n = 64, id = 0;

	if (hooks[h].type == BPF_XDP) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		return !bpf_xdp_query(ifindex, 0, &q) &&
		       (q.drv_prog_id == prog_id || q.skb_prog_id == prog_id);
	}
	if (bpf_prog_query(ifindex, hooks[h].type, 0, NULL, ids, &n))
		return false;
	while (n--)
		id |= ids[n] == prog_id;
	return id;
}

int pt_links_list(const char *dir, int wan_ifindex, struct pt_attach *att, int max)
{
	int n = pinned(dir, att, max);
	char path[PT_PIN_MAX];
	__u32 prog_id, link_ifindex;

	for (int i = 0; i < n; i++) {
		struct pt_attach *a = &att[i];
		int fd;

		a->ifindex = a->hook == PT_HOOK_LAN ? (int)if_nametoindex(a->ifname) : wan_ifindex;
		pin_path(dir, a, path);
		fd = bpf_obj_get(path);
		a->attached = fd >= 0 && a->ifindex && !link_info(fd, &prog_id, &link_ifindex) &&
			      link_ifindex == (__u32)a->ifindex &&
			      hook_runs(a->hook, a->ifindex, prog_id);
		if (fd >= 0)
			close(fd);
	}
	return n;
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
