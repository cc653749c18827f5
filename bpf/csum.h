/* SPDX-License-Identifier: GPL-2.0 */
/* Incremental Internet checksum update for the fast path (RFC 1624). */
#ifndef PT_CSUM_H
#define PT_CSUM_H

static __always_inline __u16 pt_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* HC' = ~(~HC + ~m + m') for a 32-bit field changing from 'from' to 'to'. */
static __always_inline __u16 pt_csum_replace4(__u16 check, __be32 from, __be32 to)
{
	__u32 sum = (__u16)~check;

	sum += (~from & 0xffff) + (~from >> 16);
	sum += (to & 0xffff) + (to >> 16);
	return pt_csum_fold(sum);
}

/* The same for a 16-bit field. */
static __always_inline __u16 pt_csum_replace2(__u16 check, __u16 from, __u16 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from + to;
	return pt_csum_fold(sum);
}

#endif /* PT_CSUM_H */
