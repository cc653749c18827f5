// SPDX-License-Identifier: GPL-2.0
/*
 * fwd: the tool of the forwarding benchmark (tests/bench/fwd.sh), run as
 * root on the netns router of tests/lib/topology.sh.
 *
 *   fwd run GEN_NS GEN_IF DMAC SRC DST PORT FLOWS PACKETS CNT_NS CNT_IF EXPECT TTL
 *       counts, on CNT_IF in namespace CNT_NS, the frames that arrive as
 *       forwarded ones must (to EXPECT, with TTL or hop limit, checksums
 *       right) while GEN_IF in GEN_NS sends PACKETS UDP frames SRC ->
 *       DST:PORT to DMAC, from FLOWS source ports, with
 *       BPF_F_TEST_XDP_LIVE_FRAMES: 60 bytes, or 80 when SRC and DST are
 *       IPv6 addresses (the same datagram). Prints "packets good bad seconds".
 *   fwd send GEN_NS GEN_IF DMAC SRC DST PORT FLOWS PACKETS
 *       only sends (warms a case up: flows opened, answered).
 *   fwd bare NS IFACE TO_IFACE DMAC SMAC PIN
 *       attaches the ceiling program (fwd_bare) to IFACE, sending every
 *       frame to TO_IFACE with those Ethernet addresses; its link is pinned
 *       at PIN (remove the pin to detach).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pkt.h"
#include "fwd.skel.h"

#define BATCH 64 /* frames a live-frames run keeps in flight */

static int enter(const char *ns)
{
	char path[256];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	err = fd < 0 ? -1 : setns(fd, CLONE_NEWNET);
	if (fd >= 0)
		close(fd);
	if (err)
		fprintf(stderr, "fwd: cannot enter %s\n", ns);
	return err;
}

static int ifindex(const char *name)
{
	int i = if_nametoindex(name);

	if (!i)
		fprintf(stderr, "fwd: no interface %s\n", name);
	return i;
}

static int mac(const char *s, __u8 *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
		      &m[5]) == 6 ?
		       0 :
		       -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* argv: GEN_NS GEN_IF DMAC SRC DST PORT FLOWS PACKETS; returns the seconds it took. */
static double send_frames(struct fwd *skel, char **argv)
{
	struct pkt_spec s = { .proto = IPPROTO_UDP,
			      .saddr = argv[3],
			      .daddr = argv[4],
			      .sport = 10000,
			      .dport = atoi(argv[5]),
			      .payload_len = 18 };
	__u8 frame[PKT_MAX];
	/* IPv4: 14 + 20 + 8 + 18 = 60, a minimum frame; IPv6: 14 + 40 + 8 + 18 = 80 */
	size_t len = pkt_build(frame, &s);
	struct xdp_md ctx = { .data_end = len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .batch_size = BATCH);
	double t0;

	if (enter(argv[0]) || !(ctx.ingress_ifindex = ifindex(argv[1])) || mac(argv[2], frame))
		return -1;
	/* fwd_gen copies as much of it as the frame's family has headers */
	memcpy(skel->bss->hdr, frame, sizeof(skel->bss->hdr) < len ? sizeof(skel->bss->hdr) : len);
	skel->bss->sent = 0;
	skel->data->flows = atoi(argv[6]);
	o.repeat = atoi(argv[7]);
	t0 = now();
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.fwd_gen), &o)) {
		perror("fwd: live frames");
		return -1;
	}
	return now() - t0;
}

static int run(struct fwd *skel, char **argv)
{
	struct bpf_link *link;
	double secs;
	int cnt_if;

	if (enter(argv[8]) || !(cnt_if = ifindex(argv[9])))
		return 1;
	pkt_addr6(argv[10], (__u8 *)skel->bss->expect_dst); /* IPv4: the first four bytes */
	skel->bss->expect_ttl = atoi(argv[11]);
	link = bpf_program__attach_xdp(skel->progs.fwd_count, cnt_if);
	if (!link) {
		perror("fwd: attach the counter");
		return 1;
	}
	secs = send_frames(skel, argv);
	usleep(100000); /* the last frames in flight */
	bpf_link__destroy(link);
	if (secs < 0)
		return 1;
	printf("%s %llu %llu %.6f\n", argv[7], (unsigned long long)skel->bss->good,
	       (unsigned long long)skel->bss->bad, secs);
	return 0;
}

static int bare(struct fwd *skel, char **argv)
{
	struct bpf_link *link;
	int from;

	if (enter(argv[0]) || !(from = ifindex(argv[1])) ||
	    !(skel->bss->bare_ifindex = ifindex(argv[2])) || mac(argv[3], skel->bss->bare_dmac) ||
	    mac(argv[4], skel->bss->bare_smac))
		return 1;
	link = bpf_program__attach_xdp(skel->progs.fwd_bare, from);
	if (!link || bpf_link__pin(link, argv[5])) {
		perror("fwd: attach fwd_bare");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fwd *skel;
	int ret = 2;

	if (argc < 2)
		goto usage;
	skel = fwd__open_and_load();
	if (!skel) {
		perror("fwd: load");
		return 1;
	}
	if (!strcmp(argv[1], "run") && argc == 14)
		ret = run(skel, argv + 2);
	else if (!strcmp(argv[1], "send") && argc == 10)
		ret = send_frames(skel, argv + 2) < 0;
	else if (!strcmp(argv[1], "bare") && argc == 8)
		ret = bare(skel, argv + 2);
	fwd__destroy(skel);
	if (ret != 2)
		return ret;
usage:
	fprintf(stderr, "usage: fwd run|send|bare ... (see tests/bench/fwd.c)\n");
	return 2;
}
