// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include "iface.h"
#include "out.h"

int pt_ifname_check(const char *name)
{
	size_t len = strlen(name);
	bool ok = len && len < IF_NAMESIZE && strcmp(name, ".") && strcmp(name, "..");

	for (const char *c = name; ok && *c; c++)
		ok = *c != '/' && *c != ':' && !isspace((unsigned char)*c);
	return ok ? 0 : pt_error("invalid interface name '%s'", name);
}

int pt_iface_ipv4(const char *ifname, __u32 *addrs)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i && n < PT_ADDRS_MAX; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !strcmp(i->ifa_name, ifname))
			addrs[n++] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
	freeifaddrs(ifa);
	return n;
}
