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

#include <stdbool.h>

struct ptctl;

enum pt_hook { PT_HOOK_XDP, PT_HOOK_TC_OUT, PT_N_HOOKS };

/*
 * Attaches the skeleton's programs to ifindex and pins the links in dir: all
 * or none. XDP in generic mode if *generic, else native; fallback: generic
 * where the driver has no native XDP (*generic says which it took).
 */
int pt_links_attach(const char *dir, int ifindex, const struct ptctl *skel, bool *generic,
		    bool fallback);
/* Swaps the programs of the links pinned in dir for the skeleton's: all or none. */
int pt_links_update(const char *dir, const struct ptctl *skel);
/* Detaches the links pinned in dir and removes their pins. */
int pt_links_detach(const char *dir);
/* Whether the links pinned in dir hold their hooks of ifindex, their programs running there. */
void pt_links_attached(const char *dir, int ifindex, bool attached[PT_N_HOOKS]);
/* Detaches every ptctl program from ifindex, by link or not, pinned or not (unload --force). */
int pt_links_force_detach(int ifindex);
const char *pt_hook_name(enum pt_hook h);

#endif /* PT_LINK_H */
