// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "out.h"
#include "pins.h"

int pt_bpffs_ensure(void)
{
	struct statfs st;

	if (!statfs(PT_BPFFS, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if ((mkdir(PT_BPFFS, 0700) && errno != EEXIST) ||
	    mount("bpf", PT_BPFFS, "bpf", 0, "mode=0700"))
		return pt_error("bpffs is not mounted at %s and cannot be mounted: %s", PT_BPFFS,
				strerror(errno));
	return 0;
}

void pt_pin_dir(const char *dev, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", PT_PIN_ROOT, dev);
}

int pt_dev_loaded(const char *dev)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s/pt_config", PT_PIN_ROOT, dev);
	return !access(path, F_OK);
}

int pt_dev_resolve(const char *dev, char *out)
{
	char found[512] = "";
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (dev) {
		if (strlen(dev) >= IF_NAMESIZE)
			return pt_error("invalid interface name '%s'", dev);
		if (!pt_dev_loaded(dev))
			return pt_error("ptctl is not loaded on %s (run 'ptctl load %s')", dev, dev);
		strcpy(out, dev);
		return 0;
	}
	d = opendir(PT_PIN_ROOT);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= IF_NAMESIZE ||
		    !pt_dev_loaded(e->d_name))
			continue;
		if (n++ == 0)
			strcpy(out, e->d_name);
		if (strlen(found) + strlen(e->d_name) + 3 < sizeof(found))
			strcat(strcat(found, n > 1 ? ", " : ""), e->d_name);
	}
	if (d)
		closedir(d);
	if (n == 0)
		return pt_error("ptctl is not loaded on any interface (run 'ptctl load IFACE')");
	if (n > 1)
		return pt_error("ptctl is loaded on several interfaces (%s): choose one with --dev",
				found);
	return 0;
}

static const struct {
	const char *name;
	size_t off;
} pinned_maps[] = {
	{ "pt_config", offsetof(struct pt_maps, config) },
	{ "pt_rules", offsetof(struct pt_maps, rules) },
	{ "pt_trig_idx", offsetof(struct pt_maps, trig_idx) },
	{ "pt_open_idx", offsetof(struct pt_maps, open_idx) },
	{ "pt_active", offsetof(struct pt_maps, active) },
	{ "pt_flows", offsetof(struct pt_maps, flows) },
	{ "pt_rule_stats", offsetof(struct pt_maps, rule_stats) },
	{ "pt_stats", offsetof(struct pt_maps, stats) },
	{ "pt_events", offsetof(struct pt_maps, events) },
	{ "pt_release", offsetof(struct pt_maps, release) },
};
#define N_PINNED (sizeof(pinned_maps) / sizeof(pinned_maps[0]))

static int *map_fd(struct pt_maps *m, size_t i)
{
	return (int *)((char *)m + pinned_maps[i].off);
}

int pt_maps_open(const char *dev, struct pt_maps *m)
{
	char path[128];

	for (size_t i = 0; i < N_PINNED; i++)
		*map_fd(m, i) = -1;
	for (size_t i = 0; i < N_PINNED; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", PT_PIN_ROOT, dev, pinned_maps[i].name);
		*map_fd(m, i) = bpf_obj_get(path);
		if (*map_fd(m, i) < 0) {
			int err = errno;

			pt_maps_close(m);
			return pt_error("cannot open %s: %s (try 'ptctl load %s' again)", path,
					strerror(err), dev);
		}
	}
	return 0;
}

void pt_maps_close(struct pt_maps *m)
{
	for (size_t i = 0; i < N_PINNED; i++) {
		if (*map_fd(m, i) >= 0)
			close(*map_fd(m, i));
		*map_fd(m, i) = -1;
	}
}

int pt_pins_remove(const char *dev)
{
	char dir[128], path[400];
	struct dirent *e;
	DIR *d;

	pt_pin_dir(dev, dir, sizeof(dir));
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path))
			pt_note("cannot remove %s: %s", path, strerror(errno));
	}
	if (d)
		closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		return pt_error("cannot remove %s: %s", dir, strerror(errno));
	rmdir(PT_PIN_ROOT); /* fails while other interfaces are loaded: fine */
	return 0;
}
