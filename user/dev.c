// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "dev.h"
#include "iface.h"
#include "out.h"

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

bool pt_dev_loaded(const char *dev)
{
	char dir[PT_DIR_MAX];

	return !pt_pin_dir(dev, dir) && is_dir(dir);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int pt_devs_loaded(char (*names)[IF_NAMESIZE], int max)
{
	char root[PT_ROOT_MAX];
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (pt_ns_root(root))
		return -1;
	d = opendir(root);
	while (d && (e = readdir(d))) {
		/* Interface names have no ':' (netns:INODE are other namespaces' roots). */
		if (e->d_name[0] == '.' || strchr(e->d_name, ':') ||
		    strlen(e->d_name) >= IF_NAMESIZE || !pt_dev_loaded(e->d_name))
			continue;
		if (n < max)
			strcpy(names[n], e->d_name);
		n++;
	}
	if (d)
		closedir(d);
	n = n < max ? n : max;
	qsort(names, n, sizeof(*names), by_name);
	return n;
}

/* The one interface loaded in this namespace into name, when dev was not given. */
static int only_loaded(char *name)
{
	char names[PT_MAX_DEVS][IF_NAMESIZE], found[256] = "";
	int n = pt_devs_loaded(names, PT_MAX_DEVS);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (strlen(found) + strlen(names[i]) + 3 < sizeof(found))
			strcat(strcat(found, i ? ", " : ""), names[i]);
	if (n == 1)
		strcpy(name, names[0]);
	if (n == 0)
		return pt_error("ptctl is not loaded on any interface (run 'ptctl load IFACE')");
	if (n > 1)
		return pt_error("ptctl is loaded on several interfaces (%s): choose one with --dev",
				found);
	return 0;
}

/* Why pins cannot be adopted: names the ptctl that made them, as pt_config says. */
static int incompatible(const struct pt_dev *d, const char *what)
{
	char path[PT_PIN_MAX], made_by[40] = "an older ptctl";
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	struct pt_config *old = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/pt_config", d->dir);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.value_size >= offsetof(struct pt_config, wan_addr) &&
	    (old = calloc(1, info.value_size)) && !bpf_map_lookup_elem(fd, &zero, old) &&
	    (old->abi >> 16) == (PT_ABI_MAGIC >> 16))
		snprintf(made_by, sizeof(made_by), "ptctl %.*s (ABI %u)", (int)sizeof(old->made_by),
			 old->made_by, old->abi & 0xffff);
	free(old);
	if (fd >= 0)
		close(fd);
	return pt_error("the pins of %s (%s) were made by %s, this is ptctl %s (ABI %u): run "
			"'ptctl unload --force %s', then load it again",
			d->name, what, made_by, PT_VERSION, PT_ABI, d->name);
}

static int adopt_map(const struct pt_dev *d, struct bpf_map *map)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PT_PIN_MAX], what[64];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", d->dir, bpf_map__name(map));
	fd = bpf_obj_get(path);
	if (fd < 0 && errno != ENOENT)
		return pt_error("cannot open %s: %s", path, strerror(errno));
	snprintf(what, sizeof(what), "map %s %s", bpf_map__name(map),
		 fd < 0 ? "missing" : "differs");
	if (fd < 0)
		return incompatible(d, what);
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (!err && (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		     info.value_size != bpf_map__value_size(map) ||
		     info.max_entries != bpf_map__max_entries(map) ||
		     info.map_flags != bpf_map__map_flags(map))) {
		close(fd);
		return incompatible(d, what);
	}
	if (!err)
		err = bpf_map__reuse_fd(map, fd);
	close(fd);
	return err ? pt_error("cannot use %s: %s", path, strerror(errno)) : 0;
}

static int adopt_release(struct pt_dev *d)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PT_PIN_MAX];

	snprintf(path, sizeof(path), "%s/pt_release", d->dir);
	d->m.release = bpf_obj_get(path);
	if (d->m.release < 0 || bpf_obj_get_info_by_fd(d->m.release, &info, &len) ||
	    info.type != BPF_PROG_TYPE_SYSCALL || strcmp(info.name, "pt_release"))
		return incompatible(d, "pt_release");
	return 0;
}

int pt_dev_adopt(struct pt_dev *d)
{
	struct bpf_map *map;
	__u32 zero = 0;

	d->m.skel = ptctl__open();
	d->m.closing = calloc(1, sizeof(*d->m.closing));
	if (!d->m.skel || !d->m.closing)
		return pt_error("cannot open the embedded BPF object: %s", strerror(errno));
	snprintf(d->m.ifname, sizeof(d->m.ifname), "%s", d->name);
	bpf_object__for_each_map(map, d->m.skel->obj) if (adopt_map(d, map)) return -1;
	if (adopt_release(d))
		return -1;
	if (bpf_map_lookup_elem(PT_FD(&d->m, pt_config), &zero, &d->cfg))
		return pt_error("cannot read the configuration of %s: %s", d->name,
				strerror(errno));
	return d->cfg.abi == PT_ABI_MAGIC ? 0 : incompatible(d, "pt_config");
}

int pt_dev_open(struct pt_dev *d, const char *dev, unsigned int flags)
{
	char buf[128];
	const char *problem;
	struct pt_health h;
	int rc;

	memset(d, 0, sizeof(*d));
	d->lock = -1;
	d->m.release = -1;
	rc = pt_bpffs_check();
	if (rc > 0)
		return dev ? pt_error("ptctl is not loaded on %s (run 'ptctl load %s')", dev, dev) :
			     pt_error(
				     "ptctl is not loaded on any interface (run 'ptctl load IFACE')");
	if (rc < 0 || ((flags & PT_OPEN_LOCK) && pt_lock(false, &d->lock)))
		return -1;
	if (dev && pt_ifname_check(dev))
		return -1;
	if (dev)
		snprintf(d->name, sizeof(d->name), "%s", dev);
	else if (only_loaded(d->name))
		return -1;
	if (pt_pin_dir(d->name, d->dir))
		return -1;
	if (!is_dir(d->dir))
		return pt_error("ptctl is not loaded on %s (run 'ptctl load %s')", d->name,
				d->name);
	d->ifindex = if_nametoindex(d->name);
	if (pt_dev_adopt(d))
		return -1;
	if (!(flags & PT_OPEN_HEALTHY))
		return 0;
	pt_dev_health(d, &h);
	problem = pt_health_problem(&h, buf, sizeof(buf));
	if (!problem)
		return 0;
	if (h.gone)
		return pt_error("ptctl on %s is degraded: %s; run 'ptctl unload %s', or 'ptctl "
				"load %s' once it is back",
				d->name, problem, d->name, d->name);
	return pt_error("ptctl on %s is degraded: %s; run 'ptctl load %s' to attach it again, "
			"or 'ptctl unload %s'",
			d->name, problem, d->name, d->name);
}

void pt_dev_close(struct pt_dev *d)
{
	if (d->m.closing)
		free(d->m.closing->ports);
	free(d->m.closing);
	ptctl__destroy(d->m.skel);
	if (d->m.release >= 0)
		close(d->m.release);
	pt_unlock(d->lock);
	d->m.skel = NULL;
	d->m.closing = NULL;
	d->m.release = d->lock = -1;
}

static bool has_lan_link(const struct pt_health *h, int ifindex)
{
	for (int i = 0; i < h->n_links; i++)
		if (h->links[i].hook == PT_HOOK_LAN && h->links[i].ifindex == ifindex)
			return true;
	return false;
}

/* Each --fastpath interface, or each port of it (a bridge; one added since too), has its link. */
static void lan_coverage(const struct pt_dev *d, struct pt_health *h)
{
	int ports[PT_MAX_LAN_PORTS], n;
	bool bridge;

	h->port.hook = PT_HOOK_LAN;
	for (int i = 0; i < PT_MAX_LAN && d->cfg.lan[i]; i++) {
		n = pt_lan_ports(d->cfg.lan[i], ports, PT_MAX_LAN_PORTS, &bridge, NULL);
		if (n < 0) { /* its ports unknown: say it is not covered */
			ports[0] = d->cfg.lan[i];
			n = 1;
		}
		for (int p = 0; p < n && p < PT_MAX_LAN_PORTS; p++) {
			if (has_lan_link(h, ports[p]))
				continue;
			h->uncovered = true;
			h->port.ifindex = ports[p];
			pt_lan_name(ports[p], h->port.ifname);
			return;
		}
	}
}

void pt_dev_health(const struct pt_dev *d, struct pt_health *h)
{
	memset(h, 0, sizeof(*h));
	h->gone = !d->ifindex;
	h->recreated = d->ifindex && (__u32)d->ifindex != d->cfg.ifindex;
	h->unattached[PT_HOOK_XDP] = h->unattached[PT_HOOK_TC_OUT] = true;
	h->n_links = pt_links_list(d->dir, d->ifindex, h->links, PT_MAX_ATTACH);
	for (int i = 0; i < h->n_links; i++) {
		h->unattached[h->links[i].hook] = false;
		if (!h->links[i].attached && !h->detached) {
			h->detached = true;
			h->link = h->links[i];
		}
	}
	lan_coverage(d, h);
}

bool pt_health_hook_ok(const struct pt_health *h, enum pt_hook hook)
{
	if (h->unattached[hook] || (hook == PT_HOOK_LAN && h->uncovered))
		return false;
	for (int i = 0; i < h->n_links; i++)
		if (h->links[i].hook == hook && !h->links[i].attached)
			return false;
	return true;
}

const char *pt_health_problem(const struct pt_health *h, char *buf, size_t len)
{
	if (h->gone)
		return "the interface no longer exists";
	if (h->recreated)
		return "the interface was deleted and created again";
	for (int i = 0; i < PT_HOOK_LAN; i++)
		if (h->unattached[i]) {
			snprintf(buf, len, "its %s program is not attached", pt_hook_name(i));
			return buf;
		}
	if (h->uncovered) {
		snprintf(buf, len, "its %s program is not attached to %s",
			 pt_hook_name(PT_HOOK_LAN), h->port.ifname);
		return buf;
	}
	if (!h->detached)
		return NULL;
	if (h->link.hook == PT_HOOK_LAN)
		snprintf(buf, len, "its %s program is no longer attached to %s",
			 pt_hook_name(h->link.hook), h->link.ifname);
	else
		snprintf(buf, len, "its %s program is no longer attached",
			 pt_hook_name(h->link.hook));
	return buf;
}

int pt_wan_addrs(const struct pt_maps *m, const struct pt_config *cfg, __u32 *addrs)
{
	if (pt_ip4(cfg->wan_addr)) {
		addrs[0] = pt_ip4(cfg->wan_addr);
		return 1;
	}
	return pt_iface_ipv4(m->ifname, addrs);
}

const char *pt_xdp_mode_str(const struct pt_config *cfg)
{
	return cfg->xdp_mode == PT_XDP_GENERIC ? "generic" : "native";
}

const char *pt_lan_name(__u32 ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "#%u", ifindex);
	return buf;
}

bool pt_fastpath_tcp(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal", "r");
	int on = 0;

	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	return on;
}

void pt_fastpath_str(const struct pt_config *cfg, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	snprintf(buf, len, "%s", cfg->lan[0] ? "" : "off");
	for (int i = 0; i < PT_MAX_LAN && cfg->lan[i]; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "",
			 pt_lan_name(cfg->lan[i], name));
}
