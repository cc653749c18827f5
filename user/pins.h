/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where ptctl keeps an interface's state: its maps, its pt_release program
 * and the links that attach its programs, pinned in bpffs under
 *
 *   /sys/fs/bpf/ptctl/IFACE/             in the initial network namespace
 *   /sys/fs/bpf/ptctl/netns:INODE/IFACE/ in any other (INODE: its nsfs inode,
 *                                        as `stat -L -c %i /proc/self/ns/net`)
 *
 * so that interfaces of one name in two namespaces never share state. The
 * directory above the interfaces' (the namespace root) is what mutating
 * commands lock.
 */
#ifndef PT_PINS_H
#define PT_PINS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define PT_BPFFS    "/sys/fs/bpf"
#define PT_PIN_ROOT PT_BPFFS "/ptctl"
#define PT_ROOT_MAX 64	/* a namespace root: PT_PIN_ROOT[/netns:INODE] */
#define PT_DIR_MAX  96	/* a pin directory: the root and IFACE */
#define PT_PIN_MAX  128 /* a pin in it */

/* bpffs mounted at PT_BPFFS, mounting it if that lasts beyond this process. */
int pt_bpffs_ensure(void);
/* 0: bpffs is there; 1: it is not (so nothing is loaded); -1: error reported (no bpffs can be). */
int pt_bpffs_check(void);
/* The namespace root of the caller's network namespace, into buf[PT_ROOT_MAX]. */
int pt_ns_root(char *buf);
/* The pin directory of interface dev in the caller's network namespace, into buf[PT_DIR_MAX]. */
int pt_pin_dir(const char *dev, char *buf);
/*
 * Takes the exclusive lock serializing changes in the caller's network
 * namespace (waiting for it, bounded) into *fd; create: make the namespace
 * root if needed, else *fd is -1 when there is none (nothing is loaded).
 */
int pt_lock(bool create, int *fd);
void pt_unlock(int fd);
/* Removes a pin directory and what is in it, then empty namespace roots. */
int pt_pins_remove(const char *dir);

#endif /* PT_PINS_H */
