/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PT_IFACE_H
#define PT_IFACE_H

#include <linux/types.h>

/* The first IPv4 address of ifname (network order); -1 if it has none. */
int pt_iface_ipv4(const char *ifname, __u32 *addr);

#endif /* PT_IFACE_H */
