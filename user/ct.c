// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <sys/socket.h>
#include "ct.h"
#include "out.h"

#define CT_BUF 32768

struct ct_msg {
	struct nlmsghdr nh;
	struct nfgenmsg nf;
	char attrs[256];
};

/* The flows to end: an original tuple each, as ctnetlink gave it. */
struct ct_list {
	struct nlattr **tuple;
	int n, cap;
};

static void msg_init(struct ct_msg *m, __u16 type, __u16 flags, __u8 family)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(m->nf));
	m->nh.nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->nf.nfgen_family = family;
	m->nf.version = NFNETLINK_V0;
}

static void msg_put(struct ct_msg *m, __u16 type, const void *data, __u16 len)
{
	struct nlattr *a = (void *)((char *)m + NLMSG_ALIGN(m->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* The attributes in [data, data + len), by type (up to max). */
static void attrs_parse(void *data, int len, struct nlattr **tb, int max)
{
	struct nlattr *a = data;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		int type = a->nla_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = a;
		len -= NLA_ALIGN(a->nla_len);
		a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

static void *attr_data(const struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

static void nested(const struct nlattr *a, struct nlattr **tb, int max)
{
	attrs_parse(attr_data(a), a->nla_len - NLA_HDRLEN, tb, max);
}

static bool in_list(__u32 addr, const __u32 *wan, int n)
{
	for (int i = 0; i < n; i++)
		if (wan[i] == addr)
			return true;
	return false;
}

/* Which flows to end: to these addresses, on these ports (NULL: any). */
struct ct_match {
	const __u32 *wan;
	int n_wan;
	const struct pt_range *ports;
	int n_ports;
};

static bool port_matches(const struct ct_match *m, __u8 proto, __u16 port)
{
	__u8 bit = proto == IPPROTO_TCP ? PT_TCP : proto == IPPROTO_UDP ? PT_UDP : 0;

	for (int i = 0; m->ports && i < m->n_ports; i++)
		if ((m->ports[i].proto & bit) && port >= m->ports[i].lo && port <= m->ports[i].hi)
			return true;
	return !m->ports;
}

/*
 * Is an entry of the dump (marked cfg's way) a flow to end? An IPv4 flow
 * was DNATed from one of the WAN addresses; an IPv6 pinhole goes to its
 * holder unchanged (which the rule no longer names once released: any
 * marked IPv6 flow on the ports is one).
 */
static bool flow_matches(const struct ct_match *m, __u32 status, struct nlattr **ip)
{
	if (ip[CTA_IP_V6_DST])
		return !(status & IPS_DST_NAT);
	return ip[CTA_IP_V4_DST] && (status & IPS_DST_NAT) &&
	       in_list(*(__u32 *)attr_data(ip[CTA_IP_V4_DST]), m->wan, m->n_wan);
}

/* One entry of the dump: its original tuple, if it is a flow to end. */
static struct nlattr *entry_match(struct nlmsghdr *nh, const struct ct_match *m)
{
	struct nlattr *ct[CTA_MAX + 1], *tuple[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1];
	struct nlattr *proto[CTA_PROTO_MAX + 1];
	int len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg));

	if (len < 0)
		return NULL;
	attrs_parse((char *)NLMSG_DATA(nh) + sizeof(struct nfgenmsg), len, ct, CTA_MAX);
	if (!ct[CTA_TUPLE_ORIG] || !ct[CTA_STATUS])
		return NULL;
	nested(ct[CTA_TUPLE_ORIG], tuple, CTA_TUPLE_MAX);
	if (!tuple[CTA_TUPLE_IP] || !tuple[CTA_TUPLE_PROTO])
		return NULL;
	nested(tuple[CTA_TUPLE_IP], ip, CTA_IP_MAX);
	nested(tuple[CTA_TUPLE_PROTO], proto, CTA_PROTO_MAX);
	if (!proto[CTA_PROTO_NUM] || !proto[CTA_PROTO_DST_PORT] ||
	    !flow_matches(m, ntohl(*(__u32 *)attr_data(ct[CTA_STATUS])), ip) ||
	    !port_matches(m, *(__u8 *)attr_data(proto[CTA_PROTO_NUM]),
			  ntohs(*(__u16 *)attr_data(proto[CTA_PROTO_DST_PORT]))))
		return NULL;
	return ct[CTA_TUPLE_ORIG];
}

static int list_add(struct ct_list *l, const struct nlattr *tuple)
{
	struct nlattr *copy;

	if (l->n == l->cap) {
		void *grown = realloc(l->tuple, (l->cap * 2 + 16) * sizeof(*l->tuple));

		if (!grown)
			return -1;
		l->tuple = grown;
		l->cap = l->cap * 2 + 16;
	}
	copy = malloc(tuple->nla_len);
	if (!copy)
		return -1;
	memcpy(copy, tuple, tuple->nla_len);
	l->tuple[l->n++] = copy;
	return 0;
}

/* Reads replies to the request just sent until its end; entries go to l (if any). */
static int recv_all(int fd, char *buf, struct ct_list *l, const struct ct_match *m)
{
	for (;;) {
		int len = recv(fd, buf, CT_BUF, 0);
		struct nlmsghdr *nh = (void *)buf;

		if (len < 0)
			return -errno;
		for (; NLMSG_OK(nh, (__u32)len); nh = NLMSG_NEXT(nh, len)) {
			struct nlattr *t;

			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			if (l && (t = entry_match(nh, m)) && list_add(l, t))
				return -ENOMEM;
		}
	}
}

static int dump(int fd, char *buf, const struct pt_config *cfg, struct ct_list *l,
		const struct ct_match *match)
{
	__u32 mark = htonl(cfg->mark), mask = htonl(cfg->mark_mask);
	struct ct_msg m;

	msg_init(&m, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC); /* IPv4 flows and IPv6 pinholes */
	msg_put(&m, CTA_MARK, &mark, sizeof(mark));
	msg_put(&m, CTA_MARK_MASK, &mask, sizeof(mask));
	if (send(fd, &m, m.nh.nlmsg_len, 0) < 0)
		return -errno;
	return recv_all(fd, buf, l, match);
}

static int delete (int fd, char *buf, const struct nlattr *tuple)
{
	struct nlattr *ip[CTA_IP_MAX + 1], *t[CTA_TUPLE_MAX + 1];
	struct ct_msg m;
	int err;

	nested(tuple, t, CTA_TUPLE_MAX);
	if (!t[CTA_TUPLE_IP])
		return -EINVAL;
	nested(t[CTA_TUPLE_IP], ip, CTA_IP_MAX);
	msg_init(&m, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, ip[CTA_IP_V6_DST] ? AF_INET6 : AF_INET);
	if (tuple->nla_len > sizeof(m.attrs))
		return -EINVAL;
	msg_put(&m, tuple->nla_type, attr_data(tuple), tuple->nla_len - NLA_HDRLEN);
	if (send(fd, &m, m.nh.nlmsg_len, 0) < 0)
		return -errno;
	err = recv_all(fd, buf, NULL, NULL);
	return err == -ENOENT ? 0 : err; /* gone meanwhile: fine */
}

int pt_ct_end_flows(const struct pt_config *cfg, const __u32 *wan, int n_wan,
		    const struct pt_range *ports, int n_ports)
{
	const struct ct_match match = { wan, n_wan, ports, n_ports };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct ct_list l = {};
	char *buf = malloc(CT_BUF);
	int fd, err, ended = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (!buf || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = buf ? -errno : -ENOMEM;
		goto out;
	}
	err = dump(fd, buf, cfg, &l, &match);
	for (int i = 0; i < l.n && !err; i++)
		if (!(err = delete (fd, buf, l.tuple[i])))
			ended++;
out:
	for (int i = 0; i < l.n; i++)
		free(l.tuple[i]);
	free(l.tuple);
	free(buf);
	if (fd >= 0)
		close(fd);
	return err ? pt_error("cannot end the triggered flows in conntrack: %s", strerror(-err)) :
		     ended;
}
