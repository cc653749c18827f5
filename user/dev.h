/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way into an interface's state. Every command opens it through
 * pt_dev_open(), which resolves the interface in the caller's network
 * namespace, takes the lock for a mutating command, opens the pins the
 * embedded skeleton names and checks each of them against it (map type, key
 * and value size, entries, flags; the ABI in pt_config): no command reads
 * or writes maps of another ptctl's making.
 */
#ifndef PT_DEV_H
#define PT_DEV_H

#include <net/if.h>
#include <stdbool.h>
#include <bpf/libbpf.h>
#include "iface.h"
#include "link.h"
#include "pins.h"
#include "ptctl.h"
#include "ptctl.skel.h"

/* Open ports of rules closed since their flows were last ended (store.h). */
struct pt_closing {
	struct pt_range *ports;
	int n, cap;
};

/* An interface's maps (the skeleton's, their fds the pinned maps) and pt_release. */
struct pt_maps {
	struct ptctl *skel;
	int release;		  /* fd of the pt_release program */
	char ifname[IF_NAMESIZE]; /* the WAN interface: its addresses */
	struct pt_closing *closing;
};
#define PT_FD(m, map) bpf_map__fd((m)->skel->maps.map)

struct pt_dev {
	char name[IF_NAMESIZE];
	char dir[PT_DIR_MAX]; /* pin directory */
	int ifindex;	      /* of name in this namespace now; 0: none */
	int lock;	      /* pt_lock() fd; -1 when not locked */
	struct pt_maps m;
	struct pt_config cfg;
};

/* A pt_dev that holds nothing: pt_dev_close() on it is fine. */
#define PT_DEV_INIT                         \
	{                                   \
		.lock = -1, .m.release = -1 \
	}

enum pt_open_flags {
	PT_OPEN_LOCK = 1 << 0,	  /* a mutating command: hold the namespace's lock */
	PT_OPEN_HEALTHY = 1 << 1, /* refuse a degraded instance */
};

/* What may be wrong with a loaded instance; all false: healthy. */
struct pt_health {
	bool gone;		     /* the interface no longer exists */
	bool recreated;		     /* it is another interface of the same name */
	bool detached;		     /* a program no longer runs on its hook: ... */
	struct pt_attach link;	     /* ... this one's */
	bool unattached[PT_N_HOOKS]; /* no link at all holds the hook (WAN ones) */
	bool uncovered;	       /* a --fastpath LAN interface or bridge port has no link: ... */
	struct pt_attach port; /* ... this one (ifname "#N" when it is gone) */
	struct pt_attach links[PT_MAX_ATTACH]; /* every link pinned */
	int n_links;
};

/* Opens the instance on dev, or on the one loaded interface when dev is NULL. */
int pt_dev_open(struct pt_dev *d, const char *dev, unsigned int flags);
void pt_dev_close(struct pt_dev *d);
/* Is there an instance on dev (its pin directory) in this namespace? */
bool pt_dev_loaded(const char *dev);
#define PT_MAX_DEVS 64 /* interfaces ptctl lists at once */
/* The interfaces loaded in this namespace, by name, at most max of them; how many, or -1. */
int pt_devs_loaded(char (*names)[IF_NAMESIZE], int max);
/* Checks the pins in d->dir against the skeleton and makes them d->m's maps. */
int pt_dev_adopt(struct pt_dev *d);

void pt_dev_health(const struct pt_dev *d, struct pt_health *h);
/* Do the hook's links (all of them; WAN hooks: at least one) hold it? */
bool pt_health_hook_ok(const struct pt_health *h, enum pt_hook hook);
/* The first thing wrong, as a sentence; NULL when healthy. */
const char *pt_health_problem(const struct pt_health *h, char *buf, size_t len);

/* The WAN addresses in use (network order) into addrs[PT_ADDRS_MAX]; how many. */
int pt_wan_addrs(const struct pt_maps *m, const struct pt_config *cfg, __u32 *addrs);

/* "native" or "generic": the XDP mode loaded. */
const char *pt_xdp_mode_str(const struct pt_config *cfg);
/* A --fastpath interface's name into buf[IF_NAMESIZE]; "#N" when it is gone. */
const char *pt_lan_name(__u32 ifindex, char *buf);
/* The --fastpath interfaces, "br-lan, eth1", or "off". */
void pt_fastpath_str(const struct pt_config *cfg, char *buf, size_t len);
/*
 * Does the fast path take TCP too: conntrack tracks TCP liberally in this
 * namespace (nf_conntrack_tcp_be_liberal), which the datapath reads per flow.
 */
bool pt_fastpath_tcp(void);

#endif /* PT_DEV_H */
