/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces of the caller's network namespace. */
#ifndef PT_IFACE_H
#define PT_IFACE_H

#include <linux/types.h>

#define PT_ADDRS_MAX 16

/* An interface name, as the kernel takes them; else an error (the name escaped). */
int pt_ifname_check(const char *name);
/* The IPv4 addresses of ifname (network order) into addrs[PT_ADDRS_MAX]; how many. */
int pt_iface_ipv4(const char *ifname, __u32 *addrs);

#endif /* PT_IFACE_H */
