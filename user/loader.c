// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl load / unload. load attaches the datapath to an interface, all or
 * nothing: on a new interface it pins maps, pt_release and links; on a
 * loaded one (an upgrade) it adopts the instance after checking it and swaps
 * the programs inside its links, keeping rules, triggers and flows. A failed
 * load leaves everything as it found it. unload detaches, ends the triggered
 * flows and removes the pins; unload --force clears an interface of any
 * ptctl program, even one whose pins are gone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "ct.h"
#include "dev.h"
#include "iface.h"
#include "out.h"
#include "probe.h"
#include "rule.h"

enum pt_mode { MODE_AUTO, MODE_NATIVE, MODE_GENERIC };

struct load_opts {
	const char *dev;
	enum pt_mode mode;
	bool have_wan, have_mark, have_fastpath;
	struct pt_config cfg;
};

/* --fastpath LAN[,LAN...]: the interfaces, into cfg->lan[]. */
static int parse_fastpath(char *list, struct pt_config *cfg)
{
	int n = 0;

	for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
		if (n == PT_MAX_LAN)
			return pt_error("--fastpath takes at most %d interfaces", PT_MAX_LAN);
		if (pt_ifname_check(name))
			return -1;
		if (!(cfg->lan[n] = if_nametoindex(name)))
			return pt_error("unknown interface '%s' in --fastpath", name);
		for (int i = 0; i < n; i++)
			if (cfg->lan[i] == cfg->lan[n])
				return pt_error("'%s' is twice in --fastpath", name);
		n++;
	}
	if (!n)
		return pt_error("--fastpath needs an interface");
	return 0;
}

static int parse_load_opts(int argc, char **argv, struct load_opts *o)
{
	char err[PT_ERR_LEN];
	struct in_addr a;
	int c;

	while ((c = pt_getopt(argc, argv, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "native"))
				o->mode = MODE_NATIVE;
			else if (!strcmp(optarg, "generic"))
				o->mode = MODE_GENERIC;
			else
				return pt_error("unknown mode '%s' (use native or generic)",
						optarg);
			break;
		case 'w':
			if (inet_pton(AF_INET, optarg, &a) != 1 || !a.s_addr)
				return pt_error("invalid IPv4 address '%s'", optarg);
			pt_ip4_set(o->cfg.wan_addr, a.s_addr);
			o->have_wan = true;
			break;
		case 'k':
			if (pt_parse_mark(optarg, &o->cfg.mark, &o->cfg.mark_mask, err))
				return pt_error("%s", err);
			o->have_mark = true;
			break;
		case 'f':
			if (parse_fastpath(optarg, &o->cfg))
				return -1;
			o->have_fastpath = true;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return pt_usage(argv[0], optind < argc ? "too many arguments" : "no interface");
	o->dev = argv[optind];
	if (pt_ifname_check(o->dev))
		return -1;
	if (!(o->cfg.ifindex = if_nametoindex(o->dev)))
		return pt_error("unknown interface '%s'", o->dev);
	if (!o->have_mark) {
		o->cfg.mark = PT_MARK_DEFAULT;
		o->cfg.mark_mask = PT_MASK_DEFAULT;
	}
	for (int i = 0; i < PT_MAX_LAN; i++)
		if (o->cfg.lan[i] == o->cfg.ifindex)
			return pt_error("%s is the WAN interface: not one of --fastpath", o->dev);
	o->cfg.abi = PT_ABI_MAGIC;
	snprintf(o->cfg.made_by, sizeof(o->cfg.made_by), "%s", PT_VERSION);
	o->cfg.xdp_mode = o->mode == MODE_GENERIC ? PT_XDP_GENERIC : PT_XDP_NATIVE;
	return 0;
}

/* An upgrade keeps what was loaded; options given must agree with it. */
static int merge_old_config(struct load_opts *o, const struct pt_config *old)
{
	const char *what = NULL;

	if (o->mode != MODE_AUTO && o->cfg.xdp_mode != old->xdp_mode)
		what = "--mode";
	else if (pt_ip4(o->cfg.wan_addr) != pt_ip4(old->wan_addr)) /* 0: not given */
		what = "--wan-addr";
	else if (o->have_mark && (o->cfg.mark != old->mark || o->cfg.mark_mask != old->mark_mask))
		what = "--mark";
	else if (o->have_fastpath && memcmp(o->cfg.lan, old->lan, sizeof(old->lan)))
		what = "--fastpath";
	if (what)
		return pt_error("%s is already loaded with a different %s; run 'ptctl unload %s' "
				"first to change it",
				o->dev, what, o->dev);
	o->cfg.mark = old->mark;
	o->cfg.mark_mask = old->mark_mask;
	o->cfg.xdp_mode = old->xdp_mode;
	o->cfg.last_gen = old->last_gen;
	memcpy(o->cfg.lan, old->lan, sizeof(old->lan)); /* kept without --fastpath */
	o->mode = old->xdp_mode == PT_XDP_GENERIC ? MODE_GENERIC : MODE_NATIVE;
	return 0;
}

/*
 * Where the programs go: XDP and TC egress on the WAN interface; with the
 * fast path, pt_xdp_lan on each LAN interface, or each port of a LAN bridge
 * (XDP cannot send to a bridge: the fast path sends to its ports). pt_lan
 * gets what the datapath needs to know of them.
 */
static int attachments(const struct load_opts *o, const struct ptctl *skel, struct pt_attach *att)
{
	int n = 0, ports[PT_MAX_LAN_PORTS], n_ports, master, fd = bpf_map__fd(skel->maps.pt_lan);
	char bname[IF_NAMESIZE];
	bool bridge;

	att[n++] = (struct pt_attach){ .hook = PT_HOOK_XDP, .ifindex = o->cfg.ifindex };
	att[n++] = (struct pt_attach){ .hook = PT_HOOK_TC_OUT, .ifindex = o->cfg.ifindex };
	for (int i = 0; i < PT_MAX_LAN && o->cfg.lan[i]; i++) {
		struct pt_lan lan = { .l3_ifindex = o->cfg.lan[i] };
		char name[IF_NAMESIZE];

		if (!if_indextoname(o->cfg.lan[i], name))
			return pt_error("the --fastpath interface %s no longer exists",
					pt_lan_name(o->cfg.lan[i], name));
		n_ports = pt_lan_ports(o->cfg.lan[i], ports, PT_MAX_LAN_PORTS, &bridge, &master);
		if (n_ports < 0)
			return -1;
		if (n + n_ports > PT_MAX_ATTACH)
			return pt_error("--fastpath covers more than %d interfaces",
					PT_MAX_LAN_PORTS);
		/* Its routes and addresses are the bridge's: the fast path would find none. */
		if (master)
			return pt_error("%s is a port of %s: give --fastpath %s", name,
					pt_lan_name(master, bname), bname);
		if (!n_ports)
			return pt_error("bridge %s of --fastpath has no ports", name);
		lan.bridge = bridge;
		if (bpf_map_update_elem(fd, &o->cfg.lan[i], &lan, BPF_ANY))
			return pt_error("cannot write pt_lan: %s", strerror(errno));
		lan.bridge = 0;
		for (int p = 0; p < n_ports; p++) {
			att[n] = (struct pt_attach){ .hook = PT_HOOK_LAN, .ifindex = ports[p] };
			if_indextoname(ports[p], att[n++].ifname);
			if (bridge && bpf_map_update_elem(fd, &ports[p], &lan, BPF_ANY))
				return pt_error("cannot write pt_lan: %s", strerror(errno));
		}
	}
	if_indextoname(o->cfg.ifindex, att[0].ifname);
	strcpy(att[1].ifname, att[0].ifname);
	return n;
}

/* New links; without --mode, native XDP where the driver has it, else generic. */
static int attach(struct load_opts *o, const char *dir, const struct ptctl *skel)
{
	bool generic = o->mode == MODE_GENERIC;
	struct pt_attach att[PT_MAX_ATTACH];
	int n = attachments(o, skel, att);

	if (n < 0 || pt_links_attach(dir, att, n, skel, &generic, o->mode == MODE_AUTO))
		return -1;
	if (generic && o->mode == MODE_AUTO)
		pt_note("%s has no native XDP: attached in generic mode", o->dev);
	o->cfg.xdp_mode = generic ? PT_XDP_GENERIC : PT_XDP_NATIVE;
	return 0;
}

/* pt_release beside the maps: replaced at once, never missing. */
static int pin_release(const struct ptctl *skel, const char *dir)
{
	char path[PT_PIN_MAX], tmp[PT_PIN_MAX + 8];

	snprintf(path, sizeof(path), "%s/pt_release", dir);
	snprintf(tmp, sizeof(tmp), "%s_new", path); /* bpffs names take no '.' */
	unlink(tmp);
	if (bpf_program__pin(skel->progs.pt_release, tmp) || rename(tmp, path)) {
		pt_error("cannot pin %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int write_config(const struct ptctl *skel, const struct pt_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.pt_config), &zero, cfg, BPF_ANY))
		return pt_error("cannot write the configuration: %s", strerror(errno));
	return 0;
}

/*
 * The instance on o->dev, adopted for an upgrade; its links are attached
 * afresh (reattach) when its interface was deleted and created again.
 */
static int adopt(struct load_opts *o, struct pt_dev *d, bool *reattach)
{
	struct pt_health h;
	char problem[128];

	snprintf(d->name, sizeof(d->name), "%s", o->dev);
	d->ifindex = o->cfg.ifindex;
	if (pt_dev_adopt(d) || merge_old_config(o, &d->cfg))
		return -1;
	pt_dev_health(d, &h);
	*reattach = pt_health_problem(&h, problem, sizeof(problem)) != NULL;
	return 0;
}

static int load(struct load_opts *o, struct pt_dev *d, bool upgrade)
{
	bool reattach = false;
	struct ptctl *skel;
	int err;

	if (upgrade && adopt(o, d, &reattach))
		return -1;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = d->dir);
	skel = ptctl__open_opts(&oo);
	err = skel ? ptctl__load(skel) : -errno;
	if (err) {
		pt_error("cannot load the BPF programs: %s (run with -d for libbpf's log)",
			 strerror(-err));
	} else if (!upgrade || reattach) {
		if (reattach)
			pt_links_detach(d->dir);
		err = attach(o, d->dir, skel) || write_config(skel, &o->cfg) ||
		      pin_release(skel, d->dir);
		if (err && reattach)
			pt_error("the interface of %s is detached: 'ptctl unload %s', then load it",
				 o->dev, o->dev);
	} else {
		err = pt_links_update(d->dir, skel) || pin_release(skel, d->dir);
	}
	ptctl__destroy(skel);
	return err ? -1 : 0;
}

static void loaded_note(const struct load_opts *o, bool upgrade)
{
	char addr[INET_ADDRSTRLEN] = "", fast[128];

	bool pinned = pt_ip4(o->cfg.wan_addr);

	if (pinned)
		inet_ntop(AF_INET, o->cfg.wan_addr, addr, sizeof(addr));
	pt_fastpath_str(&o->cfg, fast, sizeof(fast));
	pt_note("%s %s: xdp %s, WAN address %s%s, mark 0x%x/0x%x, fast path %s",
		upgrade ? "reloaded" : "loaded", o->dev, pt_xdp_mode_str(&o->cfg),
		pinned ? addr : "that of ", pinned ? "" : o->dev, o->cfg.mark, o->cfg.mark_mask,
		fast);
}

int cmd_load(int argc, char **argv)
{
	struct load_opts o = {};
	struct pt_dev d = PT_DEV_INIT;
	bool fresh;
	int err;

	if (parse_load_opts(argc, argv, &o) || pt_probe_kernel() || pt_bpffs_ensure() ||
	    pt_lock(true, &d.lock) || pt_pin_dir(o.dev, d.dir)) {
		pt_unlock(d.lock);
		return -1;
	}
	fresh = !pt_dev_loaded(o.dev);
	if (fresh && mkdir(d.dir, 0700)) {
		pt_dev_close(&d);
		return pt_error("cannot create %s: %s", d.dir, strerror(errno));
	}
	err = load(&o, &d, !fresh);
	if (err && fresh)
		pt_pins_remove(d.dir);
	else if (!err)
		loaded_note(&o, !fresh);
	pt_dev_close(&d);
	return err;
}

/* Ends the instance's triggered flows: nothing stays open once it is gone. */
static int end_all_flows(const struct pt_dev *d)
{
	__u32 wan[PT_ADDRS_MAX];

	return pt_ct_end_flows(&d->cfg, wan, pt_wan_addrs(&d->m, &d->cfg, wan), NULL, 0) < 0 ? -1 :
											       0;
}

/* Whatever the pins say: every ptctl program off the interface, the pins gone. */
static int unload_force(const char *dev)
{
	struct pt_dev d = PT_DEV_INIT;
	int ifindex = if_nametoindex(dev), n = 0, err = 0;
	bool pinned, adopted;

	if (pt_lock(false, &d.lock) || pt_pin_dir(dev, d.dir))
		return pt_unlock(d.lock), -1;
	snprintf(d.name, sizeof(d.name), "%s", dev);
	d.ifindex = ifindex;
	pinned = pt_dev_loaded(dev);
	if (pinned) {
		/* Pins of another ptctl are no error here: they are what --force is for. */
		pt_quiet(true);
		adopted = !pt_dev_adopt(&d);
		pt_quiet(false);
		if (adopted)
			end_all_flows(&d);
		pt_links_detach(d.dir);
		err = pt_pins_remove(d.dir);
	}
	if (ifindex)
		n = pt_links_force_detach(ifindex);
	pt_dev_close(&d);
	if (!err)
		pt_note(pinned || n ? "unloaded %s (forced)" : "nothing of ptctl on %s", dev);
	return err;
}

/*
 * unload IFACE; --keep-if-gone: not when IFACE is gone (a PPPoE reconnect,
 * the service stopping with its device): rules and holders wait in the
 * pins, and `load` attaches again once it is back.
 */
int cmd_unload(int argc, char **argv)
{
	bool force = false, keep = false;
	struct pt_dev d = PT_DEV_INIT;
	int c, err;

	while ((c = pt_getopt(argc, argv, NULL)) != -1) {
		if (c != 'f' && c != 'k')
			return -1;
		force |= c == 'f';
		keep |= c == 'k';
	}
	if (optind != argc - 1)
		return pt_usage(argv[0], optind < argc ? "too many arguments" : "no interface");
	if (force && keep)
		return pt_usage(argv[0], "--force and --keep-if-gone exclude each other");
	if (pt_ifname_check(argv[optind]))
		return -1;
	if (force)
		return unload_force(argv[optind]);
	if (keep && !if_nametoindex(argv[optind]) && pt_dev_loaded(argv[optind])) {
		pt_note("%s is gone: its rules and holders kept for its return ('ptctl load %s' "
			"attaches again)",
			argv[optind], argv[optind]);
		return 0;
	}
	if (pt_dev_open(&d, argv[optind], PT_OPEN_LOCK)) {
		pt_dev_close(&d);
		return -1;
	}
	err = pt_links_detach(d.dir) || end_all_flows(&d) || pt_pins_remove(d.dir);
	if (!err)
		pt_note("unloaded %s", d.name);
	pt_dev_close(&d);
	return err ? -1 : 0;
}
