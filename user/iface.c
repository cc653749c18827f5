// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
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
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, ifname))
			addrs[n++] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
	freeifaddrs(ifa);
	return n;
}

typedef void (*link_fn)(int ifindex, int master, const char *kind, void *ctx);

/* One RTM_NEWLINK message: fn(ifindex, master, kind, ctx). */
static void link_parse(struct nlmsghdr *nh, link_fn fn, void *ctx)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int rest = IFLA_PAYLOAD(nh), irest, master = 0;
	struct rtattr *a, *i;
	char kind[16] = "";

	for (a = IFLA_RTA(ifi); RTA_OK(a, rest); a = RTA_NEXT(a, rest)) {
		if (a->rta_type == IFLA_MASTER)
			master = *(int *)RTA_DATA(a);
		if (a->rta_type != IFLA_LINKINFO)
			continue;
		irest = RTA_PAYLOAD(a);
		for (i = RTA_DATA(a); RTA_OK(i, irest); i = RTA_NEXT(i, irest))
			if (i->rta_type == IFLA_INFO_KIND)
				snprintf(kind, sizeof(kind), "%s", (char *)RTA_DATA(i));
	}
	fn(ifi->ifi_index, master, kind, ctx);
}

/* Every link of this namespace, to fn (rtnetlink: /sys may show another namespace's). */
static int links_walk(link_fn fn, void *ctx)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.ifi = { .ifi_family = AF_UNSPEC },
	};
	static char buf[32768];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), len;
	struct nlmsghdr *nh;

	if (fd < 0 || send(fd, &req, sizeof(req), 0) < 0)
		goto fail;
	while ((len = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (nh = (void *)buf; NLMSG_OK(nh, (__u32)len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return 0;
			}
			if (nh->nlmsg_type != RTM_NEWLINK)
				goto fail;
			link_parse(nh, fn, ctx);
		}
	}
fail:
	if (fd >= 0)
		close(fd);
	return pt_error("cannot list the interfaces: %s", strerror(errno));
}

struct ports {
	int lan, *ports, n, max, master;
	bool is_bridge;
};

static void port_of(int ifindex, int master, const char *kind, void *ctx)
{
	struct ports *p = ctx;

	if (ifindex == p->lan) {
		p->is_bridge = !strcmp(kind, "bridge");
		p->master = master;
	} else if (master == p->lan && p->n++ < p->max) {
		p->ports[p->n - 1] = ifindex;
	}
}

int pt_lan_ports(int ifindex, int *ports, int max, bool *bridge, int *master)
{
	struct ports p = { .lan = ifindex, .ports = ports, .max = max };

	if (links_walk(port_of, &p))
		return -1;
	if (!p.is_bridge) { /* a bond's slaves, say, are not where it goes */
		p.n = 1;
		ports[0] = ifindex;
	}
	*bridge = p.is_bridge;
	if (master)
		*master = p.master;
	return p.n;
}
