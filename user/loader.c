// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl load / unload: attaches the datapath to an interface and detaches
 * it. Maps are pinned, so a second `load` (an upgrade) swaps the programs
 * in place and keeps rules and active triggers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "iface.h"
#include "out.h"
#include "pins.h"
#include "ptctl.skel.h"
#include "rule.h"

#define PT_TC_HANDLE 1
#define PT_TC_PRIO 0x7074 /* "pt": tells our filters apart from the operator's */

enum pt_mode { MODE_AUTO, MODE_NATIVE, MODE_GENERIC };

struct load_opts {
	const char *dev;
	enum pt_mode mode;
	int ifindex;
	int have_wan, have_mark;
	struct pt_config cfg;
};

static __u32 xdp_mode_flag(__u32 cfg_flags)
{
	return cfg_flags & PT_CFG_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

static const char *mode_name(__u32 cfg_flags)
{
	return cfg_flags & PT_CFG_GENERIC ? "generic" : "native";
}

static int read_config(const char *dev, struct pt_config *cfg)
{
	char path[128];
	__u32 zero = 0;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s/pt_config", PT_PIN_ROOT, dev);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	ret = bpf_map_lookup_elem(fd, &zero, cfg);
	close(fd);
	return ret;
}

static int parse_load_opts(int argc, char **argv, struct load_opts *o)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "wan-addr", required_argument, NULL, 'w' },
		{ "mark", required_argument, NULL, 'k' },
		{},
	};
	char err[PT_ERR_LEN];
	struct in_addr a;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "native"))
				o->mode = MODE_NATIVE;
			else if (!strcmp(optarg, "generic"))
				o->mode = MODE_GENERIC;
			else
				return pt_error("unknown mode '%s' (use native or generic)", optarg);
			break;
		case 'w':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return pt_error("invalid IPv4 address '%s'", optarg);
			o->cfg.wan_addr = a.s_addr;
			o->have_wan = 1;
			break;
		case 'k':
			if (pt_parse_mark(optarg, &o->cfg.mark, &o->cfg.mark_mask, err))
				return pt_error("%s", err);
			o->have_mark = 1;
			break;
		default:
			return pt_usage(argv[0]);
		}
	}
	if (optind != argc - 1)
		return pt_usage(argv[0]);
	o->dev = argv[optind];
	if (strlen(o->dev) >= IF_NAMESIZE || !(o->ifindex = if_nametoindex(o->dev)))
		return pt_error("unknown interface '%s'", o->dev);
	if (!o->have_wan && pt_iface_ipv4(o->dev, &o->cfg.wan_addr))
		return pt_error("interface %s has no IPv4 address (give one with --wan-addr)",
				o->dev);
	if (!o->have_mark) {
		o->cfg.mark = PT_MARK_DEFAULT;
		o->cfg.mark_mask = PT_MASK_DEFAULT;
	}
	o->cfg.ifindex = o->ifindex;
	o->cfg.flags = (o->mode == MODE_GENERIC ? PT_CFG_GENERIC : 0) |
		       (o->have_wan ? PT_CFG_WAN_EXPLICIT : 0);
	return 0;
}

/* An upgrade keeps what was loaded; options given must agree with it. */
static int merge_old_config(struct load_opts *o, const struct pt_config *old)
{
	const char *what = NULL;

	if (o->mode != MODE_AUTO && (o->cfg.flags ^ old->flags) & PT_CFG_GENERIC)
		what = "--mode";
	else if (o->have_wan && o->cfg.wan_addr != old->wan_addr)
		what = "--wan-addr";
	else if (o->have_mark && (o->cfg.mark != old->mark || o->cfg.mark_mask != old->mark_mask))
		what = "--mark";
	if (what)
		return pt_error("%s is already loaded with a different %s; run 'ptctl unload %s' "
				"first to change it",
				o->dev, what, o->dev);
	if (!o->have_wan && (old->flags & PT_CFG_WAN_EXPLICIT))
		o->cfg.wan_addr = old->wan_addr;
	o->cfg.mark = old->mark;
	o->cfg.mark_mask = old->mark_mask;
	o->cfg.flags = old->flags;
	o->mode = old->flags & PT_CFG_GENERIC ? MODE_GENERIC : MODE_NATIVE;
	return 0;
}

static int tc_attach(int ifindex, enum bpf_tc_attach_point point, int prog_fd, __u32 *cfg_flags)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PT_TC_HANDLE, .priority = PT_TC_PRIO,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (!err)
		*cfg_flags |= PT_CFG_OWN_CLSACT;
	else if (err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static void tc_detach(int ifindex, __u32 cfg_flags)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PT_TC_HANDLE, .priority = PT_TC_PRIO);

	hook.attach_point = BPF_TC_INGRESS;
	bpf_tc_detach(&hook, &opts);
	hook.attach_point = BPF_TC_EGRESS;
	bpf_tc_detach(&hook, &opts);
	if (cfg_flags & PT_CFG_OWN_CLSACT) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

/* Id of our XDP program on ifindex in the config's mode; 0 if none, -1 if not ours. */
static int our_xdp_prog(int ifindex, __u32 cfg_flags, __u32 *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, ret;

	if (bpf_xdp_query_id(ifindex, xdp_mode_flag(cfg_flags), id) || !*id)
		return 0;
	fd = bpf_prog_get_fd_by_id(*id);
	if (fd < 0)
		return -1;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	return !ret && !strcmp(info.name, "pt_xdp_in") ? 0 : -1;
}

static int xdp_attach(struct load_opts *o, int prog_fd, __u32 old_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, xo);
	int err, old_fd = -1;

	if (old_id) {
		old_fd = bpf_prog_get_fd_by_id(old_id);
		xo.old_prog_fd = old_fd;
	}
	err = bpf_xdp_attach(o->ifindex, prog_fd,
			     xdp_mode_flag(o->cfg.flags) |
				     (old_id ? XDP_FLAGS_REPLACE : XDP_FLAGS_UPDATE_IF_NOEXIST),
			     &xo);
	if (err && o->mode == MODE_AUTO && !old_id) {
		o->cfg.flags |= PT_CFG_GENERIC;
		err = bpf_xdp_attach(o->ifindex, prog_fd,
				     XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, &xo);
		if (!err)
			pt_note("%s has no native XDP support: attached in generic mode", o->dev);
	}
	if (old_fd >= 0)
		close(old_fd);
	return err;
}

static int attach_all(struct load_opts *o, struct ptctl *skel, __u32 old_xdp_id)
{
	__u32 zero = 0;
	int err;

	err = tc_attach(o->ifindex, BPF_TC_INGRESS, bpf_program__fd(skel->progs.pt_tc_in),
			&o->cfg.flags);
	if (!err)
		err = tc_attach(o->ifindex, BPF_TC_EGRESS, bpf_program__fd(skel->progs.pt_tc_out),
				&o->cfg.flags);
	if (err)
		return pt_error("cannot attach the TC programs to %s: %s", o->dev, strerror(-err));
	err = xdp_attach(o, bpf_program__fd(skel->progs.pt_xdp_in), old_xdp_id);
	if (err == -EBUSY || err == -EEXIST)
		return pt_error("%s already has an XDP program attached; ptctl needs the XDP hook",
				o->dev);
	if (err)
		return pt_error("cannot attach XDP (%s mode) to %s: %s", mode_name(o->cfg.flags),
				o->dev, strerror(-err));
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.pt_config), &zero, &o->cfg, BPF_ANY))
		return pt_error("cannot write the configuration: %s", strerror(errno));
	return 0;
}

/* pt_release is run by later ptctl commands: pinned beside the maps, replaced on upgrade. */
static int pin_release(struct ptctl *skel, const char *dir)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/pt_release", dir);
	unlink(path);
	if (bpf_program__pin(skel->progs.pt_release, path))
		return pt_error("cannot pin %s: %s", path, strerror(errno));
	return 0;
}

int cmd_load(int argc, char **argv)
{
	struct load_opts o = {};
	struct pt_config old;
	struct ptctl *skel;
	char dir[128], addr[INET_ADDRSTRLEN];
	__u32 old_xdp_id = 0;
	int upgrade, err;

	if (parse_load_opts(argc, argv, &o) || pt_bpffs_ensure())
		return 1;
	upgrade = pt_dev_loaded(o.dev);
	if (upgrade) {
		if (read_config(o.dev, &old))
			return pt_error("cannot read the configuration pinned for %s: %s", o.dev,
					strerror(errno));
		if (merge_old_config(&o, &old))
			return 1;
		if (our_xdp_prog(o.ifindex, old.flags, &old_xdp_id))
			return pt_error("the XDP program on %s is not ptctl's", o.dev);
	}
	pt_pin_dir(o.dev, dir, sizeof(dir));
	if ((mkdir(PT_PIN_ROOT, 0700) && errno != EEXIST) || (mkdir(dir, 0700) && errno != EEXIST))
		return pt_error("cannot create %s: %s", dir, strerror(errno));

	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = dir);
	skel = ptctl__open_opts(&oo);
	err = skel ? ptctl__load(skel) : -errno;
	if (err) {
		pt_error("cannot load the BPF programs%s (run with -d for libbpf's log)",
			 upgrade ? ": the pinned maps may be from an incompatible ptctl; "
				   "'ptctl unload' first" : "");
		goto fail;
	}
	if (pin_release(skel, dir) || attach_all(&o, skel, old_xdp_id))
		goto fail;
	ptctl__destroy(skel);
	inet_ntop(AF_INET, &o.cfg.wan_addr, addr, sizeof(addr));
	pt_note("%s %s: xdp %s, WAN address %s, mark 0x%x/0x%x", upgrade ? "reloaded" : "loaded",
		o.dev, mode_name(o.cfg.flags), addr, o.cfg.mark, o.cfg.mark_mask);
	return 0;
fail:
	if (!upgrade) {
		/* Undo only our own attachments: another XDP program may be why we failed. */
		if (!our_xdp_prog(o.ifindex, o.cfg.flags, &old_xdp_id) && old_xdp_id)
			bpf_xdp_detach(o.ifindex, xdp_mode_flag(o.cfg.flags), NULL);
		tc_detach(o.ifindex, o.cfg.flags);
		pt_pins_remove(o.dev);
	}
	ptctl__destroy(skel);
	return 1;
}

int cmd_unload(int argc, char **argv)
{
	struct pt_config cfg;
	const char *dev;
	__u32 xdp_id = 0;
	int ifindex;

	if (argc != 2 || argv[1][0] == '-')
		return pt_usage(argv[0]);
	dev = argv[1];
	if (strlen(dev) >= IF_NAMESIZE || !pt_dev_loaded(dev))
		return pt_error("ptctl is not loaded on %s", dev);
	if (read_config(dev, &cfg))
		return pt_error("cannot read the configuration pinned for %s: %s", dev,
				strerror(errno));
	ifindex = if_nametoindex(dev);
	if (ifindex) {
		if (our_xdp_prog(ifindex, cfg.flags, &xdp_id))
			pt_note("the XDP program on %s is not ptctl's: left in place", dev);
		else if (xdp_id)
			bpf_xdp_detach(ifindex, xdp_mode_flag(cfg.flags), NULL);
		tc_detach(ifindex, cfg.flags);
	}
	if (pt_pins_remove(dev))
		return 1;
	pt_note("unloaded %s", dev);
	return 0;
}
