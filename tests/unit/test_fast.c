// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path (load --fastpath): once the kernel has accepted a triggered
 * flow (its conntrack entry answered, UDP, or established, TCP, tracked
 * liberally), pt_xdp_in forwards its packets to the holder and pt_xdp_lan
 * the holder's replies to the peer, rewritten as the kernel's NAT would: one
 * address, TTL one less, checksums right, MACs of the route's neighbour.
 * Everything the kernel must see (a new or unanswered flow, a TCP handshake
 * or close, TCP tracked strictly, IP options, TTL 1, no neighbour, a rule
 * that moved on) goes to the kernel untouched. An IPv6 pinhole's packets
 * take it too, unchanged but for the hop limit. The fixture's router:
 * fixture.h.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "suite.h"
#include "fixture.h"
#include "pkt.h"

#define WAN	  FIX_WAN
#define HOLDER	  "192.168.1.10"
#define OTHER	  "192.168.1.20"
#define PEER	  "203.0.113.9"
#define HOLDER6	  "2001:db8:77::10" /* the game rule's IPv6 holder (setup6) */
#define OTHER6	  "2001:db8:77::20"
#define PEER6	  "2001:db8:200::9"
#define PEER_PORT 40000
#define OPEN_PORT 5000
#define TIMEOUT	  60

#define ETH_LEN 14
/* TCP flags */
#define FIN	    0x01
#define SYN	    0x02
#define RST	    0x04
#define ACK	    0x10
#define HOLDER_MAC  "\x02\x00\x00\x00\x01\x0a"
#define GATEWAY_MAC "\x02\x00\x00\x00\x00\xfe"

struct env {
	struct fix f;
	const void *param;
	int game; /* held by HOLDER */
};

static int set_fastpath(struct fix *f, bool on)
{
	struct pt_config cfg;

	if (fix_config(f, &cfg))
		return -1;
	cfg.lan[0] = on ? f->lan : 0;
	return fix_set_config(f, &cfg);
}

/* Conntrack tracks TCP liberally (on), or by its windows. */
static int tcp_liberal(bool on)
{
	return fix_sh("sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=%d", on);
}

/*
 * "lan" is a --fastpath interface; the holder and the gateway have
 * neighbour entries (both families); conntrack tracks TCP liberally.
 */
static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct pt_lan lan = {};

	if (!e)
		return -1;
	e->param = *state;
	*state = e;
	if (fix_open(&e->f))
		return -1;
	lan.l3_ifindex = e->f.lan;
	if (fix_sh("ip neigh replace " HOLDER " lladdr 02:00:00:00:01:0a dev lan nud permanent && "
		   "ip neigh replace " FIX_GATEWAY
		   " lladdr 02:00:00:00:00:fe dev wan nud permanent && "
		   "ip neigh replace " HOLDER6 " lladdr 02:00:00:00:01:0a dev lan nud permanent && "
		   "ip neigh replace " FIX_GATEWAY6
		   " lladdr 02:00:00:00:00:fe dev wan nud permanent") ||
	    bpf_map_update_elem(PT_FD(&e->f.m, pt_lan), &e->f.lan, &lan, BPF_ANY) ||
	    set_fastpath(&e->f, true) || tcp_liberal(true))
		return -1;
	e->game = fix_add_rule(&e->f, "game", "udp:7000", "both:5000", TIMEOUT);
	return e->game < 0 ? -1 : fix_activate(&e->f, e->game, pkt_addr(HOLDER));
}

/* Same, with HOLDER6 the game rule's IPv6 holder too. */
static int setup6(void **state)
{
	struct env *e;

	if (setup(state))
		return -1;
	e = *state;
	return fix_activate6(&e->f, e->game, HOLDER6);
}

static int teardown(void **state)
{
	struct env *e = *state;

	fix_close(&e->f);
	free(e);
	return 0;
}

static void mac_of(const char *ifname, __u8 *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	strcpy(ifr.ifr_name, ifname);
	assert_int_equal(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

static struct pkt_spec inbound(int proto)
{
	return (struct pkt_spec){ .proto = proto,
				  .saddr = PEER,
				  .daddr = WAN,
				  .sport = PEER_PORT,
				  .dport = OPEN_PORT,
				  .payload_len = 32 };
}

/* The holder's reply on that flow. */
static struct pkt_spec reply(int proto)
{
	return (struct pkt_spec){ .proto = proto,
				  .saddr = HOLDER,
				  .daddr = PEER,
				  .sport = OPEN_PORT,
				  .dport = PEER_PORT,
				  .payload_len = 32 };
}

/* Runs frame through pt_xdp_in (in) or pt_xdp_lan; expects it passed untouched. */
static void run_pass(struct env *e, bool in, const __u8 *frame, size_t len)
{
	struct run_result r;

	assert_int_equal(in ? fix_run_xdp(&e->f, frame, len, &r) :
			      fix_run_xdp_lan(&e->f, frame, len, &r),
			 0);
	assert_int_equal(r.retval, XDP_PASS);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, frame, len);
}

static void pass(struct env *e, bool in, const struct pkt_spec *s)
{
	__u8 frame[PKT_MAX];

	run_pass(e, in, frame, pkt_build(frame, s));
}

/* A flow to the holder, made by its first packet (TCP: a SYN) and answered (TCP: established). */
static void answered_flow(struct env *e, int proto)
{
	struct pkt_spec s = inbound(proto);

	if (proto == IPPROTO_TCP)
		s.tcp_flags = SYN;

	pass(e, true, &s);
	assert_int_equal(fix_ct_answered(proto, PEER, PEER_PORT, WAN, OPEN_PORT), 0);
}

/*
 * Runs in through the program, which must redirect it as want: want's
 * addresses, in's TTL less one, the IP checksum recomputed here from
 * scratch (IPv6: the hop limit less one, in no checksum), the MACs of the
 * hop.
 */
static void run_fast(struct env *e, bool inbound_side, const __u8 *in, __u8 *want, size_t len,
		     const char *out_if, const char *dmac)
{
	__u8 *ip = want + ETH_LEN;
	struct run_result r;
	__u16 c;

	if (ip[0] >> 4 == 6) {
		ip[7] = in[ETH_LEN + 7] - 1;
	} else {
		ip[8] = in[ETH_LEN + 8] - 1;
		c = pkt_ip_csum(ip, (ip[0] & 0xf) * 4);
		ip[10] = c >> 8;
		ip[11] = c & 0xff;
	}
	memcpy(want, dmac, 6);
	mac_of(out_if, want + 6);
	assert_int_equal(inbound_side ? fix_run_xdp(&e->f, in, len, &r) :
					fix_run_xdp_lan(&e->f, in, len, &r),
			 0);
	assert_int_equal(r.retval, XDP_REDIRECT);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, want, len);
	assert_true(pkt_csums_ok(r.out, len));
}

/* --- Inbound: forwarded in XDP, or to the kernel --------------------------- */

struct shape {
	const char *name;
	struct pkt_spec spec; /* protocol and shape; addresses and ports added */
	size_t pad;
	enum pkt_zero zero;
	const char *tcp_state; /* the connection's state in conntrack, not ESTABLISHED */
	bool strict;	       /* conntrack tracks TCP by its windows */
	bool fast;
};

#define UDP(_len, ...) .spec = { .proto = IPPROTO_UDP, .payload_len = _len, __VA_ARGS__ }
#define TCP(_len, ...) .spec = { .proto = IPPROTO_TCP, .payload_len = _len, __VA_ARGS__ }

static const struct shape shapes[] = {
	{ "in_udp", UDP(32), .fast = true },
	{ "in_udp_no_csum", UDP(32, .udp_no_csum = true), .fast = true },
	{ "in_udp_sum_becomes_zero", UDP(32), .zero = PKT_ZERO_OUT, .fast = true },
	{ "in_udp_sum_was_zero", UDP(32), .zero = PKT_ZERO_IN, .fast = true },
	{ "in_udp_padded_frame", UDP(32), .pad = 18, .fast = true },
	{ "in_udp_large", UDP(1472), .fast = true },
	{ "in_udp_ip_options_to_kernel", UDP(32, .ip_opts_len = 8) },
	/* The rest of its datagram goes to the kernel: so does the first fragment. */
	{ "in_udp_first_fragment_to_kernel", UDP(32, .frag_off = 0x2000) },
	{ "in_tcp", TCP(32), .fast = true },
	{ "in_tcp_large", TCP(1460), .fast = true },
	{ "in_tcp_strict_to_kernel", TCP(32), .strict = true },
	{ "in_tcp_handshake_to_kernel", TCP(0, .tcp_flags = ACK), .tcp_state = "SYN_RECV" },
	{ "in_tcp_closing_to_kernel", TCP(0, .tcp_flags = ACK), .tcp_state = "FIN_WAIT" },
	{ "in_tcp_fin_to_kernel", TCP(0, .tcp_flags = FIN | ACK) },
	{ "in_tcp_rst_to_kernel", TCP(0, .tcp_flags = RST) },
	{ "in_tcp_syn_to_kernel", TCP(0, .tcp_flags = SYN) },
};

static void fill(struct pkt_spec *s, const char *saddr, const char *daddr, __u16 sport, __u16 dport)
{
	s->saddr = saddr;
	s->daddr = daddr;
	s->sport = sport;
	s->dport = dport;
}

static void test_inbound(void **state)
{
	struct env *e = *state;
	const struct shape *c = e->param;
	struct pkt_spec s = c->spec, want = c->spec;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len;

	fill(&s, PEER, WAN, PEER_PORT, OPEN_PORT);
	fill(&want, PEER, HOLDER, PEER_PORT, OPEN_PORT);
	answered_flow(e, s.proto);
	if (c->tcp_state)
		assert_int_equal(fix_ct_tcp_state(PEER, PEER_PORT, WAN, OPEN_PORT, c->tcp_state),
				 0);
	if (c->strict)
		assert_int_equal(tcp_liberal(false), 0);
	len = pkt_build_pair(in, &s, out, &want, c->pad, c->zero);
	if (c->fast)
		run_fast(e, true, in, out, len, "lan", HOLDER_MAC);
	else
		run_pass(e, true, in, len);
	assert_int_equal(suite_stats(&e->f).xdp_fast, c->fast);
	assert_int_equal(suite_stats(&e->f).xdp_forwarded, 2);
	assert_int_equal(suite_rule_stats(&e->f, e->game).pkts_in, 2);
}

/* An inbound UDP packet of the flow, in, and as it must reach the holder, out. */
static size_t udp_pair(__u8 *in, __u8 *out)
{
	struct pkt_spec s = inbound(IPPROTO_UDP), to = inbound(IPPROTO_UDP);

	to.daddr = HOLDER;
	return pkt_build_pair(in, &s, out, &to, 0, PKT_ZERO_NONE);
}

/* Until the holder has answered, the kernel sees every packet: its firewall decides. */
static void test_unanswered_to_kernel(void **state)
{
	struct env *e = *state;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len = udp_pair(in, out);

	for (int i = 0; i < 3; i++)
		run_pass(e, true, in, len);
	assert_int_equal(suite_stats(&e->f).xdp_fast, 0);
	assert_int_equal(suite_stats(&e->f).xdp_forwarded, 3);
	/* Answered: the next packet takes the fast path. */
	assert_int_equal(fix_ct_answered(IPPROTO_UDP, PEER, PEER_PORT, WAN, OPEN_PORT), 0);
	run_fast(e, true, in, out, len, "lan", HOLDER_MAC);
}

/*
 * ICMP errors about a flow on the fast path go to the kernel untouched, both
 * ways (RFC 5508: its NAT translates them, the quoted packet included): the
 * peer's about the holder's reply as it left, the holder's about the peer's
 * packet as it arrived.
 */
static void test_icmp_errors_to_kernel(void **state)
{
	struct env *e = *state;
	struct pkt_spec left = reply(IPPROTO_UDP), arrived = inbound(IPPROTO_UDP);
	__u8 about[PKT_MAX], frame[PKT_MAX], in[PKT_MAX], out[PKT_MAX];
	size_t len = udp_pair(in, out);

	answered_flow(e, IPPROTO_UDP);
	run_fast(e, true, in, out, len, "lan", HOLDER_MAC);
	left.saddr = WAN;
	pkt_build(about, &left);
	run_pass(e, true, frame, pkt_build_icmp_error(frame, PEER, WAN, 3, 3, about + ETH_LEN));
	arrived.daddr = HOLDER;
	pkt_build(about, &arrived);
	run_pass(e, false, frame, pkt_build_icmp_error(frame, HOLDER, PEER, 3, 3, about + ETH_LEN));
	assert_int_equal(suite_stats(&e->f).xdp_fast, 1);
	assert_int_equal(suite_stats(&e->f).lan_fast, 0);
	assert_int_equal(suite_stats(&e->f).xdp_forwarded, 2);
}

/*
 * A flow marked as ptctl's whose NAT also moved the port (a rule of the
 * router's own setting ptctl's mark on its port forward): the fast path
 * would not redo that NAT. The kernel forwards it.
 */
static void test_port_moved_to_kernel(void **state)
{
	struct env *e = *state;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len = udp_pair(in, out);

	assert_int_equal(fix_sh("conntrack -I -p udp -s " PEER " -d " WAN " --sport %u --dport %u "
				"--dst-nat " HOLDER
				":%u -u SEEN_REPLY -m %u -t 120 >/dev/null 2>&1",
				PEER_PORT, OPEN_PORT, OPEN_PORT + 1, PT_MARK_DEFAULT),
			 0);
	run_pass(e, true, in, len);
	run_pass(e, true, in, len);
	assert_int_equal(suite_stats(&e->f).xdp_forwarded, 2);
	assert_int_equal(suite_stats(&e->f).xdp_fast, 0);
}

/*
 * A FIN goes to conntrack, and the connection's next segments with it: it
 * is closing, as the flow's next check will find.
 */
static void test_tcp_after_fin(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_TCP), to = inbound(IPPROTO_TCP), fin = s;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len;

	to.daddr = HOLDER;
	len = pkt_build_pair(in, &s, out, &to, 0, PKT_ZERO_NONE);
	answered_flow(e, IPPROTO_TCP);
	run_fast(e, true, in, out, len, "lan", HOLDER_MAC);
	fin.tcp_flags = FIN | ACK;
	pass(e, true, &fin);
	run_pass(e, true, in, len);
	assert_int_equal(suite_stats(&e->f).xdp_fast, 1);
	assert_int_equal(suite_stats(&e->f).xdp_forwarded, 4);
}

/* What ends the fast path: that packet goes to the kernel. */
enum stop {
	STOP_OFF,
	STOP_EXPIRED,
	STOP_DISABLED,
	STOP_NEW_HOLDER,
	STOP_NO_NEIGH,
	STOP_NOT_FAST_LAN,
	STOP_TTL_1
};

static const struct {
	const char *name;
	enum stop how;
	bool flow_ends; /* the flow's conntrack entry ends with it */
	bool at_check; /* at the flow's next check (the hop is looked up then), not its next packet */
} stops[] = {
	{ "stop_fastpath_off", STOP_OFF, false, false },
	{ "stop_rule_expired", STOP_EXPIRED, true, false },
	{ "stop_rule_disabled", STOP_DISABLED, true, false },
	{ "stop_new_holder", STOP_NEW_HOLDER, true, false },
	{ "stop_holder_no_neighbour", STOP_NO_NEIGH, false, true },
	{ "stop_lan_not_fastpath", STOP_NOT_FAST_LAN, false, true },
	{ "stop_ttl_1", STOP_TTL_1, false, false },
};

/* Makes every remembered flow due for its check: as if PT_FLOW_CHECK_NS had passed. */
static void age_flows(struct env *e)
{
	int fd = PT_FD(&e->f.m, pt_flows);
	struct pt_flow_key k, *prev = NULL;
	struct pt_flow f;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), 0);
		f.checked_ns -= 2 * PT_NSEC_PER_SEC;
		assert_int_equal(bpf_map_update_elem(fd, &k, &f, BPF_EXIST), 0);
		prev = &k;
	}
}

static void stop(struct env *e, enum stop how, __u8 *frame)
{
	__u32 lan = e->f.lan;
	__u16 c;

	switch (how) {
	case STOP_OFF:
		assert_int_equal(set_fastpath(&e->f, false), 0);
		break;
	case STOP_EXPIRED:
		assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
		break;
	case STOP_DISABLED:
		assert_int_equal(fix_rule_set(&e->f, e->game, "disabled", NULL), 0);
		break;
	case STOP_NEW_HOLDER:
		assert_int_equal(fix_activate(&e->f, e->game, pkt_addr(OTHER)), 0);
		break;
	case STOP_NO_NEIGH:
		assert_int_equal(fix_sh("ip neigh del " HOLDER " dev lan"), 0);
		break;
	case STOP_NOT_FAST_LAN:
		assert_int_equal(bpf_map_delete_elem(PT_FD(&e->f.m, pt_lan), &lan), 0);
		break;
	case STOP_TTL_1:
		frame[ETH_LEN + 8] = 1;
		c = pkt_ip_csum(frame + ETH_LEN, 20);
		frame[ETH_LEN + 10] = c >> 8;
		frame[ETH_LEN + 11] = c & 0xff;
		break;
	}
}

static void test_stop(void **state)
{
	struct env *e = *state;
	const typeof(stops[0]) *c = e->param;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len = udp_pair(in, out);
	struct fix_ct_entry ct;

	answered_flow(e, IPPROTO_UDP);
	run_fast(e, true, in, out, len, "lan", HOLDER_MAC);
	stop(e, c->how, in);
	if (c->at_check) {
		run_fast(e, true, in, out, len, "lan", HOLDER_MAC);
		age_flows(e);
	}
	run_pass(e, true, in, len);
	assert_int_equal(suite_stats(&e->f).xdp_fast, 1 + c->at_check);
	assert_int_equal(fix_ct_get(IPPROTO_UDP, PEER, PEER_PORT, WAN, OPEN_PORT, &ct) == 0,
			 !c->flow_ends);
}

/* --- Outbound: the holder's replies, on the LAN side ------------------------ */

static const struct {
	const char *name;
	int proto;
} outbound_protos[] = {
	{ "out_udp", IPPROTO_UDP },
	{ "out_tcp", IPPROTO_TCP },
};

static void test_outbound(void **state)
{
	struct env *e = *state;
	const typeof(outbound_protos[0]) *c = e->param;
	struct pkt_spec s = reply(c->proto), want = reply(c->proto);
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len;

	want.saddr = WAN;
	answered_flow(e, c->proto);
	len = pkt_build_pair(in, &s, out, &want, 0, PKT_ZERO_NONE);
	run_fast(e, false, in, out, len, "wan", GATEWAY_MAC);
	assert_int_equal(suite_stats(&e->f).lan_fast, 1);
	assert_int_equal(suite_rule_stats(&e->f, e->game).pkts_out, 1);
}

/* A pinned WAN address (routed to the router upstream, not on wan): replies leave from it. */
static void test_outbound_pinned_wan_addr(void **state)
{
	struct env *e = *state;
	struct pkt_spec in = inbound(IPPROTO_UDP), s = reply(IPPROTO_UDP),
			want = reply(IPPROTO_UDP);
	__u8 frame[PKT_MAX], out[PKT_MAX];
	struct pt_config cfg;
	size_t len;

	assert_int_equal(fix_config(&e->f, &cfg), 0);
	pt_ip4_set(cfg.wan_addr, pkt_addr("203.0.113.77"));
	assert_int_equal(fix_set_config(&e->f, &cfg), 0);
	in.daddr = want.saddr = "203.0.113.77";
	pass(e, true, &in);
	assert_int_equal(fix_ct_answered(IPPROTO_UDP, PEER, PEER_PORT, in.daddr, OPEN_PORT), 0);
	len = pkt_build_pair(frame, &s, out, &want, 0, PKT_ZERO_NONE);
	run_fast(e, false, frame, out, len, "wan", GATEWAY_MAC);
}

/* LAN packets that are not a holder's reply on an answered flow pass untouched. */
enum out_case {
	OUT_OTHER_HOST,
	OUT_OTHER_PEER,
	OUT_UNANSWERED,
	OUT_FASTPATH_OFF,
	OUT_WAN_ADDR_GONE,
	OUT_PORT_FORWARD,
	OUT_TCP_STRICT,
	OUT_TCP_FIN
};

static const struct {
	const char *name;
	enum out_case how;
} outs[] = {
	{ "out_other_host", OUT_OTHER_HOST },
	{ "out_not_a_triggered_flow", OUT_OTHER_PEER },
	{ "out_unanswered_flow", OUT_UNANSWERED },
	{ "out_fastpath_off", OUT_FASTPATH_OFF },
	{ "out_wan_address_gone", OUT_WAN_ADDR_GONE },
	{ "out_static_port_forward", OUT_PORT_FORWARD },
	{ "out_tcp_strict", OUT_TCP_STRICT },
	{ "out_tcp_fin", OUT_TCP_FIN },
};

static void test_outbound_pass(void **state)
{
	struct env *e = *state;
	const typeof(outs[0]) *c = e->param;
	bool tcp = c->how == OUT_TCP_STRICT || c->how == OUT_TCP_FIN;
	struct pkt_spec s = reply(tcp ? IPPROTO_TCP : IPPROTO_UDP);
	struct pkt_spec in = inbound(s.proto);
	struct fix_ct fwd = { .proto = IPPROTO_UDP,
			      .src = PEER,
			      .sport = PEER_PORT,
			      .dst = WAN,
			      .dport = OPEN_PORT,
			      .rsrc = HOLDER,
			      .rsport = OPEN_PORT,
			      .rdst = PEER,
			      .rdport = PEER_PORT };

	switch (c->how) {
	case OUT_UNANSWERED:
		pass(e, true, &in);
		break;
	case OUT_WAN_ADDR_GONE:
		/* A flow to an address the router had: it must not be sent from it any more. */
		assert_int_equal(fix_sh("ip addr add 198.51.100.5/24 dev wan"), 0);
		in.daddr = "198.51.100.5";
		pass(e, true, &in);
		assert_int_equal(fix_ct_answered(IPPROTO_UDP, PEER, PEER_PORT, in.daddr, OPEN_PORT),
				 0);
		assert_int_equal(fix_sh("ip addr del 198.51.100.5/24 dev wan"), 0);
		break;
	case OUT_PORT_FORWARD:
		/* The kernel's own DNAT of that port (no ptctl mark): not ptctl's flow. */
		assert_int_equal(fix_ct_add(&fwd), 0);
		break;
	default:
		answered_flow(e, s.proto);
	}
	if (c->how == OUT_OTHER_HOST)
		s.saddr = OTHER;
	if (c->how == OUT_OTHER_PEER)
		s.dport++;
	if (c->how == OUT_FASTPATH_OFF)
		assert_int_equal(set_fastpath(&e->f, false), 0);
	if (c->how == OUT_TCP_STRICT)
		assert_int_equal(tcp_liberal(false), 0);
	if (c->how == OUT_TCP_FIN)
		s.tcp_flags = FIN | ACK;
	pass(e, false, &s);
	assert_int_equal(suite_stats(&e->f).lan_fast, 0);
	assert_int_equal(suite_rule_stats(&e->f, e->game).pkts_out, 0);
}

/* --- IPv6 pinholes: no NAT, the hop limit one less -------------------------- */

struct shape6 {
	const char *name;
	struct pkt_spec spec; /* protocol and shape; addresses and ports added */
	bool outbound;	      /* the holder's reply, on the LAN side */
	__u8 hop_limit;	      /* 0: as built */
	bool fast;
};

static const __u8 ext6_hop[] = { PKT_EXT6_HOP };

static const struct shape6 shapes6[] = {
	{ "in6_udp", UDP(32), .fast = true },
	{ "in6_udp_large", UDP(1452), .fast = true },
	{ "in6_tcp", TCP(32), .fast = true },
	{ "in6_hop_limit_1_to_kernel", UDP(32), .hop_limit = 1 },
	{ "in6_hop_limit_2", UDP(32), .hop_limit = 2, .fast = true },
	{ "in6_ext_header_to_kernel", UDP(32, .ext6 = ext6_hop, .n_ext6 = 1) },
	{ "in6_tcp_syn_to_kernel", TCP(0, .tcp_flags = SYN) },
	{ "in6_tcp_fin_to_kernel", TCP(0, .tcp_flags = FIN | ACK) },
	{ "out6_udp", UDP(32), .outbound = true, .fast = true },
	{ "out6_tcp", TCP(32), .outbound = true, .fast = true },
	{ "out6_hop_limit_1_to_kernel", UDP(32), .outbound = true, .hop_limit = 1 },
};

/*
 * A pinhole to HOLDER6, opened by its first packet (TCP: a SYN) and
 * answered (TCP: established), then a packet of c's shape, inbound or the
 * holder's reply: redirected with only its hop limit and MACs changed,
 * byte for byte, or passed to the kernel untouched.
 */
static void test_pinhole6(void **state)
{
	struct env *e = *state;
	const struct shape6 *c = e->param;
	struct pkt_spec open = { .proto = c->spec.proto, .payload_len = 32 }, s = c->spec;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len;

	fill(&open, PEER6, HOLDER6, PEER_PORT, OPEN_PORT);
	open.tcp_flags = open.proto == IPPROTO_TCP ? SYN : 0;
	pass(e, true, &open);
	assert_int_equal(fix_ct_answered(open.proto, PEER6, PEER_PORT, HOLDER6, OPEN_PORT), 0);
	if (c->outbound)
		fill(&s, HOLDER6, PEER6, OPEN_PORT, PEER_PORT);
	else
		fill(&s, PEER6, HOLDER6, PEER_PORT, OPEN_PORT);
	len = pkt_build_pair(in, &s, out, &s, 0, PKT_ZERO_NONE);
	if (c->hop_limit)
		in[ETH_LEN + 7] = out[ETH_LEN + 7] = c->hop_limit;
	if (c->fast)
		run_fast(e, !c->outbound, in, out, len, c->outbound ? "wan" : "lan",
			 c->outbound ? GATEWAY_MAC : HOLDER_MAC);
	else
		run_pass(e, !c->outbound, in, len);
	assert_int_equal(suite_stats(&e->f).xdp_fast, c->fast && !c->outbound);
	assert_int_equal(suite_stats(&e->f).lan_fast, c->fast && c->outbound);
	assert_int_equal(suite_rule_stats(&e->f, e->game).pkts_out, c->fast && c->outbound);
}

/* Until the holder has answered, every packet of the pinhole is the kernel's. */
static void test_pinhole6_unanswered_to_kernel(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = { .proto = IPPROTO_UDP, .payload_len = 32 };
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len;

	fill(&s, PEER6, HOLDER6, PEER_PORT, OPEN_PORT);
	len = pkt_build_pair(in, &s, out, &s, 0, PKT_ZERO_NONE);
	for (int i = 0; i < 3; i++)
		run_pass(e, true, in, len);
	assert_int_equal(fix_ct_answered(IPPROTO_UDP, PEER6, PEER_PORT, HOLDER6, OPEN_PORT), 0);
	run_fast(e, true, in, out, len, "lan", HOLDER_MAC);
	assert_int_equal(suite_stats(&e->f).xdp_fast, 1);
	assert_int_equal(suite_stats(&e->f).xdp_forwarded, 4);
}

/*
 * On the LAN side, only the IPv6 holder's packets of its answered pinhole
 * leave in XDP: another host's, on the same ports to the same peer, pass.
 */
static void test_pinhole6_other_host_passes(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = { .proto = IPPROTO_UDP, .payload_len = 32 };
	struct fix_ct ct = { .proto = IPPROTO_UDP,
			     .src = PEER6,
			     .sport = PEER_PORT,
			     .dst = OTHER6,
			     .dport = OPEN_PORT,
			     .mark = PT_MARK_DEFAULT };

	assert_int_equal(fix_ct_add(&ct), 0);
	fill(&s, OTHER6, PEER6, OPEN_PORT, PEER_PORT);
	pass(e, false, &s);
	assert_int_equal(suite_stats(&e->f).lan_fast, 0);
}

int main(void)
{
	struct suite s = {};

	SUITE_CASES(&s, test_inbound, setup, teardown, shapes, ARRAY_SIZE(shapes));
	SUITE_TEST(&s, test_unanswered_to_kernel, setup, teardown);
	SUITE_TEST(&s, test_port_moved_to_kernel, setup, teardown);
	SUITE_TEST(&s, test_icmp_errors_to_kernel, setup, teardown);
	SUITE_TEST(&s, test_tcp_after_fin, setup, teardown);
	SUITE_CASES(&s, test_stop, setup, teardown, stops, ARRAY_SIZE(stops));
	SUITE_CASES(&s, test_outbound, setup, teardown, outbound_protos,
		    ARRAY_SIZE(outbound_protos));
	SUITE_TEST(&s, test_outbound_pinned_wan_addr, setup, teardown);
	SUITE_CASES(&s, test_outbound_pass, setup, teardown, outs, ARRAY_SIZE(outs));
	SUITE_CASES(&s, test_pinhole6, setup6, teardown, shapes6, ARRAY_SIZE(shapes6));
	SUITE_TEST(&s, test_pinhole6_unanswered_to_kernel, setup6, teardown);
	SUITE_TEST(&s, test_pinhole6_other_host_passes, setup6, teardown);
	return suite_run(&s, "fast");
}
