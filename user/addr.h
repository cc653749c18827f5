/* SPDX-License-Identifier: GPL-2.0 */
/* Addresses of either family as ptctl reads and prints them (union pt_addr). */
#ifndef PT_ADDR_H
#define PT_ADDR_H

#include <arpa/inet.h>
#include "ptctl.h"

#define PT_ADDR_STR INET6_ADDRSTRLEN /* room for either family */

/* The socket family (AF_INET, AF_INET6) of an address family. */
static inline int pt_af(enum pt_family f)
{
	return f == PT_IPV6 ? AF_INET6 : AF_INET;
}

/* "ipv4" or "ipv6", as JSON and metrics label it. */
const char *pt_family_str(enum pt_family f);
/* An address of either family (IPv4 dotted quad, or IPv6); -1 if neither. */
int pt_addr_parse(const char *s, union pt_addr *a, enum pt_family *f);
/* buf (PT_ADDR_STR), written with a of family f. */
const char *pt_addr_str(union pt_addr a, enum pt_family f, char *buf);

#endif /* PT_ADDR_H */
