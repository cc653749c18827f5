// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "pkt.h"

#define ETH_LEN 14

__u32 pkt_addr(const char *dotted)
{
	struct in_addr a;

	inet_pton(AF_INET, dotted, &a);
	return a.s_addr;
}

void pkt_addr6(const char *addr, __u8 *out)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET6, addr, out) != 1)
		inet_pton(AF_INET, addr, out);
}

static bool is_ipv6(const char *addr)
{
	return strchr(addr, ':');
}

static __u32 sum16(const __u8 *p, size_t len, __u32 sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

__u16 pkt_ip_csum(const __u8 *ip, size_t ihl)
{
	__u8 hdr[60];

	memcpy(hdr, ip, ihl);
	hdr[10] = hdr[11] = 0;
	return fold(sum16(hdr, ihl, 0));
}

/* Checksum over pseudo header and L4 segment, with the checksum field zeroed. */
__u16 pkt_l4_csum(const __u8 *ip, size_t len)
{
	size_t ihl = (ip[0] & 0xf) * 4, l4_len = len - ihl;
	int proto = ip[9];
	size_t off = proto == IPPROTO_TCP ? 16 : 6;
	__u8 seg[PKT_MAX];
	__u32 sum = 0;

	memcpy(seg, ip + ihl, l4_len);
	seg[off] = seg[off + 1] = 0;
	sum = sum16(ip + 12, 8, sum); /* source and destination */
	sum += proto + l4_len;
	return fold(sum16(seg, l4_len, sum));
}

/* The TCP or UDP header and payload of s at l4 (len bytes of it), checksum field 0. */
static void build_l4(__u8 *l4, const struct pkt_spec *s, size_t l4_hdr)
{
	l4[0] = s->sport >> 8;
	l4[1] = s->sport & 0xff;
	l4[2] = s->dport >> 8;
	l4[3] = s->dport & 0xff;
	if (s->proto == IPPROTO_TCP) {
		l4[4] = 0x01; /* sequence number */
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags ?: 0x18; /* PSH|ACK */
		l4[14] = 0xff;
	} else {
		l4[4] = (l4_hdr + s->payload_len) >> 8;
		l4[5] = (l4_hdr + s->payload_len) & 0xff;
	}
	for (size_t i = 0; i < s->payload_len; i++)
		l4[l4_hdr + i] = i * 7 + 3;
}

/* TCP/UDP checksum over the IPv6 pseudo header (ip: the IPv6 header) and l4_len bytes at l4. */
static __u16 l4_csum6(const __u8 *ip, const __u8 *l4, size_t l4_len, int proto)
{
	size_t off = proto == IPPROTO_TCP ? 16 : 6;
	__u8 seg[PKT_MAX];
	__u32 sum;

	memcpy(seg, l4, l4_len);
	seg[off] = seg[off + 1] = 0;
	sum = sum16(ip + 8, 32, 0); /* source and destination */
	sum += l4_len + proto;
	return fold(sum16(seg, l4_len, sum));
}

static size_t build6(__u8 *buf, const struct pkt_spec *s)
{
	size_t l4_hdr = s->proto == IPPROTO_TCP ? 20 : 8;
	size_t ext_len = 8 * s->n_ext6, l4_len = l4_hdr + s->payload_len;
	__u8 *ip = buf + ETH_LEN, *ext = ip + 40, *l4 = ext + ext_len;
	size_t off = s->proto == IPPROTO_TCP ? 16 : 6;
	__u16 c;

	memset(buf, 0, ETH_LEN + 40 + ext_len + l4_len);
	memcpy(buf, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x86\xdd", ETH_LEN);
	ip[0] = 0x60;
	ip[4] = (ext_len + l4_len) >> 8;
	ip[5] = (ext_len + l4_len) & 0xff;
	ip[6] = s->n_ext6 ? s->ext6[0] : s->proto;
	ip[7] = 64;
	pkt_addr6(s->saddr, ip + 8);
	pkt_addr6(s->daddr, ip + 24);
	for (int i = 0; i < s->n_ext6; i++, ext += 8) {
		ext[0] = i + 1 < s->n_ext6 ? s->ext6[i + 1] : s->proto;
		/* Length 0 is 8 bytes for all: in 8-byte units less one, AH in 4-byte units less two. */
		if (s->ext6[i] == PKT_EXT6_FRAGMENT) {
			ext[2] = s->frag6 >> 8;
			ext[3] = s->frag6 & 0xff;
			ext[7] = 0x42; /* identification */
		} else if (s->ext6[i] == PKT_EXT6_DSTOPTS || s->ext6[i] == PKT_EXT6_HOP) {
			ext[2] = 1; /* a PadN option filling the header */
			ext[3] = 4;
		}
	}
	build_l4(l4, s, l4_hdr);
	if (s->proto == IPPROTO_TCP || !s->udp_no_csum) {
		c = l4_csum6(ip, l4, l4_len, s->proto);
		if (s->proto == IPPROTO_UDP && !c)
			c = 0xffff;
		l4[off] = c >> 8;
		l4[off + 1] = c & 0xff;
	}
	return ETH_LEN + 40 + ext_len + l4_len;
}

size_t pkt_build(__u8 *buf, const struct pkt_spec *s)
{
	size_t ihl = 20 + s->ip_opts_len;
	size_t l4_hdr = s->proto == IPPROTO_TCP ? 20 : 8;
	size_t ip_len = ihl + l4_hdr + s->payload_len;
	__u8 *ip = buf + ETH_LEN, *l4 = ip + ihl;
	__u32 sa = pkt_addr(s->saddr), da = pkt_addr(s->daddr);
	__u16 c;

	if (is_ipv6(s->saddr))
		return build6(buf, s);
	memset(buf, 0, ETH_LEN + ip_len);
	memcpy(buf, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", ETH_LEN);
	ip[0] = 0x40 | (ihl / 4);
	ip[2] = ip_len >> 8;
	ip[3] = ip_len & 0xff;
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[6] = s->frag_off >> 8;
	ip[7] = s->frag_off & 0xff;
	ip[8] = 64;
	ip[9] = s->proto;
	memcpy(ip + 12, &sa, 4);
	memcpy(ip + 16, &da, 4);
	for (int i = 0; i < s->ip_opts_len; i++)
		ip[20 + i] = i == s->ip_opts_len - 1 ? 0 : 1; /* NOPs, then EOL */
	build_l4(l4, s, l4_hdr);
	c = pkt_ip_csum(ip, ihl);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	if (s->proto == IPPROTO_TCP || !s->udp_no_csum) {
		size_t off = s->proto == IPPROTO_TCP ? 16 : 6;

		c = pkt_l4_csum(ip, ip_len);
		if (s->proto == IPPROTO_UDP && !c)
			c = 0xffff;
		l4[off] = c >> 8;
		l4[off + 1] = c & 0xff;
	}
	return ETH_LEN + ip_len;
}

size_t pkt_build_icmp_error(__u8 *buf, const char *saddr, const char *daddr, __u8 type, __u8 code,
			    const __u8 *about)
{
	size_t quoted = (about[0] & 0xf) * 4 + 8, ip_len = 20 + 8 + quoted;
	struct pkt_spec s = { .proto = IPPROTO_UDP, .saddr = saddr, .daddr = daddr };
	__u8 *ip = buf + ETH_LEN, *icmp = ip + 20;
	__u16 c;

	pkt_build(buf, &s); /* Ethernet and the IPv4 header's fields, then made ICMP */
	memset(icmp, 0, 8);
	memcpy(icmp + 8, about, quoted);
	icmp[0] = type;
	icmp[1] = code;
	c = fold(sum16(icmp, 8 + quoted, 0));
	icmp[2] = c >> 8;
	icmp[3] = c & 0xff;
	ip[2] = ip_len >> 8;
	ip[3] = ip_len & 0xff;
	ip[9] = IPPROTO_ICMP;
	c = pkt_ip_csum(ip, 20);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	return ETH_LEN + ip_len;
}

/* The L4 checksum of an IPv6 frame with no extension headers. */
static bool csums_ok6(const __u8 *frame, size_t len)
{
	const __u8 *ip = frame + ETH_LEN, *l4 = ip + 40;
	size_t l4_len = (ip[4] << 8) | ip[5];
	size_t off = ip[6] == IPPROTO_TCP ? 16 : 6;
	__u16 got, want;

	if (len < ETH_LEN + 40 + l4_len)
		return false;
	got = (l4[off] << 8) | l4[off + 1];
	want = l4_csum6(ip, l4, l4_len, ip[6]);
	return got == (ip[6] == IPPROTO_UDP && !want ? 0xffff : want);
}

bool pkt_csums_ok(const __u8 *frame, size_t len)
{
	const __u8 *ip = frame + ETH_LEN;
	size_t ihl = (ip[0] & 0xf) * 4, ip_len = (ip[2] << 8) | ip[3];
	size_t off = ip[9] == IPPROTO_TCP ? 16 : 6;
	__u16 got, want;

	if (frame[12] == 0x86 && frame[13] == 0xdd)
		return csums_ok6(frame, len);
	if (len < ETH_LEN + ip_len)
		return false;
	if (((ip[10] << 8) | ip[11]) != pkt_ip_csum(ip, ihl))
		return false;
	got = (ip[ihl + off] << 8) | ip[ihl + off + 1];
	if (ip[9] == IPPROTO_UDP && !got)
		return true; /* no checksum */
	want = pkt_l4_csum(ip, ip_len);
	if (ip[9] == IPPROTO_UDP && !want)
		want = 0xffff;
	return got == want;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Recomputes the IP and L4 checksums of frame (UDP: a computed 0 is sent as 0xffff). */
static void fill_csums(__u8 *frame)
{
	__u8 *ip = frame + ETH_LEN;
	size_t ihl = (ip[0] & 0xf) * 4, ip_len = (ip[2] << 8) | ip[3];
	size_t off = ip[9] == IPPROTO_TCP ? 16 : 6;
	__u16 c;

	put16(ip + 10, pkt_ip_csum(ip, ihl));
	c = pkt_l4_csum(ip, ip_len);
	put16(ip + ihl + off, ip[9] == IPPROTO_UDP && !c ? 0xffff : c);
}

/*
 * Changes the last two payload bytes of frame so that its L4 checksum
 * computes to 0 (the edge case of incremental updates), the same in twin (the
 * packet with other addresses), and fills in the checksums of both.
 */
static void zero_l4_sum(__u8 *frame, __u8 *twin)
{
	__u8 *ip = frame + ETH_LEN;
	size_t ip_len = (ip[2] << 8) | ip[3], tail = ETH_LEN + ip_len - 2;

	for (__u32 w = 0; w <= 0xffff; w++) {
		put16(frame + tail, w);
		if (!pkt_l4_csum(ip, ip_len))
			break;
	}
	memcpy(twin + tail, frame + tail, 2);
	fill_csums(frame);
	fill_csums(twin);
}

size_t pkt_build_pair(__u8 *in, const struct pkt_spec *s_in, __u8 *out,
		      const struct pkt_spec *s_out, size_t pad, enum pkt_zero zero)
{
	size_t len = pkt_build(in, s_in);

	pkt_build(out, s_out);
	if (zero == PKT_ZERO_IN)
		zero_l4_sum(in, out);
	if (zero == PKT_ZERO_OUT)
		zero_l4_sum(out, in);
	memset(in + len, 0, pad);
	memset(out + len, 0, pad);
	return len + pad;
}
