/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces of the caller's network namespace. */
#ifndef PT_IFACE_H
#define PT_IFACE_H

#include <stdbool.h>
#include <linux/types.h>

#define PT_ADDRS_MAX 16

/* An interface name, as the kernel takes them; else an error (the name escaped). */
int pt_ifname_check(const char *name);
/* The IPv4 addresses of ifname (network order) into addrs[PT_ADDRS_MAX]; how many. */
int pt_iface_ipv4(const char *ifname, __u32 *addrs);

/*
 * Where the LAN program of --fastpath interface ifindex goes: each port of
 * a bridge (*bridge), else the interface itself; into ports[max], how many
 * there are (more than max: the first max); -1 on error. *master (unless
 * NULL): the bridge ifindex is itself a port of, or 0.
 */
int pt_lan_ports(int ifindex, int *ports, int max, bool *bridge, int *master);

#endif /* PT_IFACE_H */
