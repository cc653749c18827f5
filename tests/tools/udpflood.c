// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood SRC_NET COUNT DST PORT [heads]: COUNT UDP datagrams to DST:PORT,
 * each of a new flow: sources SRC_NET.1-254 (a /24, as dotted "a.b.c"),
 * source ports 1024 and up; "heads": each only the first fragment of its
 * datagram, the rest never sent. For the flood test (tests/e2e/flood.sh);
 * sent through a raw socket, so the sources need not be the sender's own.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct {
		struct iphdr ip;
		struct udphdr udp;
		char data[8];
	} pkt = {};
	long count;
	char src[32];
	int fd, one = 1;

	bool heads = argc == 6 && !strcmp(argv[5], "heads");

	if ((argc != 5 && !heads) || (count = atol(argv[2])) <= 0 ||
	    inet_pton(AF_INET, argv[3], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udpflood SRC_NET COUNT DST PORT [heads]\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("udpflood: raw socket");
		return 1;
	}
	pkt.ip = (struct iphdr){ .version = 4,
				 .ihl = 5,
				 .ttl = 64,
				 .protocol = IPPROTO_UDP,
				 .tot_len = htons(sizeof(pkt)),
				 .daddr = to.sin_addr.s_addr,
				 .frag_off = htons(heads ? IP_MF : 0) };
	/* A head's datagram is longer than the fragment: its length says so. */
	pkt.udp = (struct udphdr){ .dest = htons(atoi(argv[4])),
				   .len = htons(sizeof(pkt) - 20 + (heads ? 1000 : 0)) };
	for (long i = 0; i < count; i++) {
		/* The kernel fills in the IP checksum; UDP checksum 0: none. */
		snprintf(src, sizeof(src), "%s.%ld", argv[1], 1 + i % 254);
		inet_pton(AF_INET, src, &pkt.ip.saddr);
		pkt.udp.source = htons(1024 + i / 254 % 64000);
		if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("udpflood: sendto");
			return 1;
		}
	}
	close(fd);
	return 0;
}
