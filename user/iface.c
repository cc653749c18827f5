// SPDX-License-Identifier: GPL-2.0
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include "iface.h"

int pt_iface_ipv4(const char *ifname, __u32 *addr)
{
	struct ifaddrs *ifa, *i;
	int ret = -1;

	if (getifaddrs(&ifa))
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, ifname)) {
			*addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			ret = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return ret;
}
