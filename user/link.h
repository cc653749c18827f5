/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the datapath is attached: as BPF links (XDP, and tcx for TC egress),
 * pinned beside the maps. A link is an object ptctl owns: what it attached
 * is known, an upgrade swaps the program inside the link atomically, and a
 * link whose pin and fds are gone detaches itself, so a command that dies
 * half-way leaves nothing attached behind.
 */
#ifndef PT_LINK_H
#define PT_LINK_H

#include <net/if.h>
#include <stdbool.h>

struct ptctl;

enum pt_hook {
	PT_HOOK_XDP,	/* pt_xdp_in on the WAN interface */
	PT_HOOK_TC_OUT, /* pt_tc_out on the WAN interface */
	PT_HOOK_LAN,	/* pt_xdp_lan on a LAN interface or bridge port (--fastpath) */
	PT_N_HOOKS
};

/* A program on a hook of an interface; pinned as link_xdp, link_tc_out, link_lan_IFNAME. */
struct pt_attach {
	enum pt_hook hook;
	int ifindex;
	char ifname[IF_NAMESIZE];
	bool attached; /* pt_links_list(): the link holds its hook, its program runs there */
};

#define PT_MAX_ATTACH 24
/* LAN interfaces and bridge ports of --fastpath: all links but the WAN interface's two. */
#define PT_MAX_LAN_PORTS (PT_MAX_ATTACH - 2)

/*
 * Attaches the skeleton's programs as att[n] says and pins the links in dir:
 * all or none. XDP in generic mode if *generic, else native; fallback:
 * generic where the WAN driver has no native XDP (*generic says which).
 */
int pt_links_attach(const char *dir, const struct pt_attach *att, int n, const struct ptctl *skel,
		    bool *generic, bool fallback);
/* Swaps the programs of every link pinned in dir for the skeleton's: all or none. */
int pt_links_update(const char *dir, const struct ptctl *skel);
/* Detaches every link pinned in dir and removes its pin. */
int pt_links_detach(const char *dir);
/*
 * The links pinned in dir into att[max]: how many. wan_ifindex is the WAN
 * interface now (LAN ports are found by name).
 */
int pt_links_list(const char *dir, int wan_ifindex, struct pt_attach *att, int max);
/* Detaches every ptctl program from ifindex, by link or not, pinned or not (unload --force). */
int pt_links_force_detach(int ifindex);
const char *pt_hook_name(enum pt_hook h);

#endif /* PT_LINK_H */
