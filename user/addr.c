// SPDX-License-Identifier: GPL-2.0
#include "addr.h"

const char *pt_family_str(enum pt_family f)
{
	return f == PT_IPV6 ? "ipv6" : "ipv4";
}

int pt_addr_parse(const char *s, union pt_addr *a, enum pt_family *f)
{
	*a = pt_addr4(0);
	*f = PT_IPV4;
	if (inet_pton(AF_INET, s, &a->ip4) == 1)
		return 0;
	*f = PT_IPV6;
	return inet_pton(AF_INET6, s, a->bytes) == 1 ? 0 : -1;
}

const char *pt_addr_str(union pt_addr a, enum pt_family f, char *buf)
{
	return inet_ntop(pt_af(f), a.bytes, buf, PT_ADDR_STR);
}
