// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: what ptctl's programs cost per packet, measured with
 * BPF_PROG_TEST_RUN next to programs that do nothing, with 1 rule and with
 * 1000 (the datapath indexes ports directly: the two should match).
 *
 * Timings are reported, never judged. The exit status says whether every
 * program loaded, ran, and took the path its case is about (checked on
 * ptctl's own counters after every run).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "pkt.h"
#include "view.h"
#include "bench_empty.skel.h"

#define WAN	  FIX_WAN
#define LAN	  "192.168.1.10"
#define REMOTE	  "203.0.113.9"
#define LAN6	  "2001:db8:77::10"
#define REMOTE6	  "2001:db8:200::9"
#define TRIG_BASE 10000 /* rule i: trigger tcp:TRIG_BASE+i ... */
#define OPEN_BASE 20000 /* ... opens tcp:OPEN_BASE+i */
#define TIMEOUT_S 3600	/* outlasts the bench: the rule stays active */
#define TC_ACT_OK 0

#define REPEAT_DEFAULT 1000000
#define RUNS_DEFAULT   5
#define RUNS_MAX       99

enum hook { HOOK_XDP, HOOK_TC };

/* Port placeholders: the ports of the exercised rule, the last one added. */
enum { PORT_TRIG = 1, PORT_OPEN = 2 };

#define STAT(field) offsetof(struct pt_stats, field)

struct bench_case {
	const char *name;
	enum hook hook;
	const char *saddr, *daddr;
	__u16 sport, dport;
	size_t expect; /* pt_stats counter each run bumps (and no other outcome) */
};

/*
 * The flows conntrack holds in each setup (setup_open()): the triggered
 * flow REMOTE:40000 -> WAN:open port (made by pt_xdp_in), the router's own
 * WAN:open port -> REMOTE:80, and LAN's trigger flow LAN:33333 -> REMOTE.
 */
static const struct bench_case cases[] = {
	{ .name = "xdp not an open port (80)",
	  .hook = HOOK_XDP,
	  .saddr = REMOTE,
	  .sport = 40000,
	  .daddr = WAN,
	  .dport = 80,
	  .expect = STAT(xdp_passed) },
	{ .name = "xdp IPv6, not an open port (80)",
	  .hook = HOOK_XDP,
	  .saddr = REMOTE6,
	  .sport = 40000,
	  .daddr = LAN6,
	  .dport = 80,
	  .expect = STAT(xdp_passed) },
	{ .name = "xdp triggered flow",
	  .hook = HOOK_XDP,
	  .saddr = REMOTE,
	  .sport = 40000,
	  .daddr = WAN,
	  .dport = PORT_OPEN,
	  .expect = STAT(xdp_forwarded) },
	{ .name = "xdp open port, router's flow",
	  .hook = HOOK_XDP,
	  .saddr = REMOTE,
	  .sport = 80,
	  .daddr = WAN,
	  .dport = PORT_OPEN,
	  .expect = STAT(xdp_tracked) },
	{ .name = "tc no trigger, masqueraded",
	  .hook = HOOK_TC,
	  .saddr = WAN,
	  .sport = 40000,
	  .daddr = REMOTE,
	  .dport = 443,
	  .expect = STAT(tc_seen) },
	{ .name = "tc no trigger, LAN src",
	  .hook = HOOK_TC,
	  .saddr = LAN,
	  .sport = 40000,
	  .daddr = REMOTE,
	  .dport = 443,
	  .expect = STAT(tc_seen) },
	{ .name = "tc IPv6, no trigger",
	  .hook = HOOK_TC,
	  .saddr = LAN6,
	  .sport = 40000,
	  .daddr = REMOTE6,
	  .dport = 443,
	  .expect = STAT(tc_seen) },
	{ .name = "tc trigger, LAN-initiated",
	  .hook = HOOK_TC,
	  .saddr = LAN,
	  .sport = 33333,
	  .daddr = REMOTE,
	  .dport = PORT_TRIG,
	  .expect = STAT(tc_trigger) },
	{ .name = "tc trigger refused, no flow",
	  .hook = HOOK_TC,
	  .saddr = WAN,
	  .sport = 33334,
	  .daddr = REMOTE,
	  .dport = PORT_TRIG,
	  .expect = STAT(tc_refused) },
	{ .name = "tc triggered flow, holder's",
	  .hook = HOOK_TC,
	  .saddr = WAN,
	  .sport = PORT_OPEN,
	  .daddr = REMOTE,
	  .dport = 40000,
	  .expect = STAT(tc_replies) },
};

/* The case that bumps counter: a trigger, the first packet of the triggered flow. */
static const struct bench_case *case_of(size_t counter)
{
	size_t i = 0;

	while (cases[i].expect != counter)
		i++;
	return &cases[i];
}

/* What a packet can come to; a run must bump its case's counter and no other. */
static const size_t outcomes[] = {
	STAT(xdp_forwarded),  STAT(xdp_new_flows),  STAT(xdp_passed),	STAT(xdp_tracked),
	STAT(xdp_closed),     STAT(xdp_bad_holder), STAT(xdp_bad_peer), STAT(xdp_ct_full),
	STAT(xdp_parse_fail), STAT(tc_trigger),	    STAT(tc_refused),	STAT(tc_replies),
	STAT(tc_stale),	      STAT(tc_parse_fail),
};

static const int rule_counts[] = { 1, 1000 };
#define N_SETUPS (sizeof(rule_counts) / sizeof(rule_counts[0]))

struct setup {
	struct fix f;
	int n_rules;
};

struct bench {
	struct setup setups[N_SETUPS];
	struct bench_empty *empty;
	__u32 repeat;
	int runs;
};

struct result {
	double ns, empty_ns, plus_ns;
};

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static __u16 case_port(__u16 port, int n_rules)
{
	if (port == PORT_TRIG)
		return TRIG_BASE + n_rules - 1;
	if (port == PORT_OPEN)
		return OPEN_BASE + n_rules - 1;
	return port;
}

static size_t case_frame(const struct bench_case *c, int n_rules, __u8 *frame)
{
	struct pkt_spec s = {
		.proto = IPPROTO_TCP,
		.saddr = c->saddr,
		.daddr = c->daddr,
		.sport = case_port(c->sport, n_rules),
		.dport = case_port(c->dport, n_rules),
		.payload_len = 10,
	};

	return pkt_build(frame, &s);
}

/* One run of c's packet through ptctl's program, as the setup's flows begin. */
static int run_once(struct setup *s, const struct bench_case *c)
{
	__u8 frame[PKT_MAX];
	struct run_result r;
	size_t len = case_frame(c, s->n_rules, frame);

	if ((c->hook == HOOK_XDP ? fix_run_xdp : fix_run_tc)(&s->f, frame, len, &r))
		return fail("cannot run %s: %s", c->name, strerror(errno));
	return 0;
}

/* Rules 0..n-1, the last one triggered by LAN; the flows of the cases in conntrack. */
static int setup_open(struct setup *s, int n_rules)
{
	char name[16], trigger[16], open[16];
	struct fix_ct trig = { .proto = IPPROTO_TCP,
			       .src = LAN,
			       .sport = 33333,
			       .dst = REMOTE,
			       .dport = TRIG_BASE + n_rules - 1 };
	struct fix_ct own = { .proto = IPPROTO_TCP,
			      .src = WAN,
			      .sport = OPEN_BASE + n_rules - 1,
			      .dst = REMOTE,
			      .dport = 80 };
	struct pt_holder a;

	s->n_rules = n_rules;
	if (fix_load(&s->f))
		return fail("cannot load ptctl's programs");
	for (int i = 0; i < n_rules; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		snprintf(trigger, sizeof(trigger), "tcp:%d", TRIG_BASE + i);
		snprintf(open, sizeof(open), "tcp:%d", OPEN_BASE + i);
		if (fix_add_rule(&s->f, name, trigger, open, TIMEOUT_S) != i)
			return fail("cannot add rule %s (%s -> %s)", name, trigger, open);
	}
	if (fix_ct_add(&trig) || fix_ct_add(&own))
		return fail("cannot add flows to conntrack (conntrack -I)");
	if (run_once(s, case_of(STAT(tc_trigger))) || fix_active(&s->f, n_rules - 1, &a) ||
	    pt_ip4(a.addr) != pkt_addr(LAN))
		return fail("trigger did not activate rule %d", n_rules - 1);
	/* The flow pt_xdp_in makes times out in 30 s unless the stack sees it: keep it. */
	if (run_once(s, case_of(STAT(xdp_forwarded))) ||
	    fix_ct_timeout(IPPROTO_TCP, REMOTE, 40000, WAN, OPEN_BASE + n_rules - 1, TIMEOUT_S))
		return fail("the triggered flow did not enter conntrack");
	return 0;
}

static int bench_open(struct bench *b)
{
	if (fix_router())
		return fail("cannot make the router's namespace");
	for (size_t i = 0; i < N_SETUPS; i++)
		if (setup_open(&b->setups[i], rule_counts[i]))
			return -1;
	b->empty = bench_empty__open_and_load();
	if (!b->empty)
		return fail("cannot load the empty programs: %s", strerror(errno));
	return 0;
}

static void bench_close(struct bench *b)
{
	for (size_t i = 0; i < N_SETUPS; i++)
		if (b->setups[i].f.skel)
			fix_close(&b->setups[i].f);
	bench_empty__destroy(b->empty);
}

static int prog_fd(struct bench *b, struct setup *s, const struct bench_case *c, bool real)
{
	if (c->hook == HOOK_XDP)
		return bpf_program__fd(real ? s->f.skel->progs.pt_xdp_in :
					      b->empty->progs.bench_xdp_empty);
	return bpf_program__fd(real ? s->f.skel->progs.pt_tc_out : b->empty->progs.bench_tc_empty);
}

static int stats_read(struct setup *s, struct pt_stats *st)
{
	if (fix_stats(&s->f, st))
		return fail("cannot read pt_stats: %s", strerror(errno));
	return 0;
}

static __u64 stat_delta(const struct pt_stats *a, const struct pt_stats *b, size_t off)
{
	return *(const __u64 *)((const char *)b + off) - *(const __u64 *)((const char *)a + off);
}

/* Every repeat took the case's path: its counter grew by repeat, no other outcome did. */
static int stats_check(const struct bench *b, const struct bench_case *c,
		       const struct pt_stats *before, const struct pt_stats *after)
{
	if (stat_delta(before, after, c->expect) != b->repeat)
		return fail("%s: %llu of %u runs took the expected path", c->name,
			    (unsigned long long)stat_delta(before, after, c->expect), b->repeat);
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (outcomes[i] != c->expect && stat_delta(before, after, outcomes[i]))
			return fail("%s: runs took an unexpected path", c->name);
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * One BPF_PROG_TEST_RUN of repeat runs; *ns: its time per run, timed here:
 * the kernel's own figure is in whole ns, too coarse for programs a few ns
 * apart. The call's fixed cost (a few microseconds) is lost in the repeats.
 */
static int test_run(const struct bench *b, const struct setup *s, const struct bench_case *c,
		    int fd, const __u8 *frame, size_t len, double *ns)
{
	struct xdp_md xdp = { .data_end = len, .ingress_ifindex = s->f.wan };
	struct __sk_buff skb = { .ifindex = s->f.wan };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .repeat = b->repeat);
	__u32 want = c->hook == HOOK_XDP ? XDP_PASS : TC_ACT_OK;
	double start;

	/* As on the WAN interface: its routes and conntrack. */
	o.ctx_in = c->hook == HOOK_XDP ? (void *)&xdp : (void *)&skb;
	o.ctx_size_in = c->hook == HOOK_XDP ? sizeof(xdp) : sizeof(skb);

	start = now_ns();
	if (bpf_prog_test_run_opts(fd, &o))
		return fail("%s: BPF_PROG_TEST_RUN: %s", c->name, strerror(errno));
	*ns = (now_ns() - start) / b->repeat;
	if (o.retval != want)
		return fail("%s: program returned %u, not %u", c->name, o.retval, want);
	return 0;
}

static int run_one(struct bench *b, struct setup *s, const struct bench_case *c, bool real,
		   const __u8 *frame, size_t len, double *ns)
{
	int fd = prog_fd(b, s, c, real);
	struct pt_stats before, after;

	if (real && stats_read(s, &before))
		return -1;
	if (test_run(b, s, c, fd, frame, len, ns))
		return -1;
	if (real && (stats_read(s, &after) || stats_check(b, c, &before, &after)))
		return -1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The mean of the middle half of v (all of it below 4 values): no outlier. */
static double mid_mean(double *v, int n)
{
	int lo = n < 4 ? 0 : n / 4, hi = n - lo;
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_double);
	for (int i = lo; i < hi; i++)
		sum += v[i];
	return sum / (hi - lo);
}

/*
 * The case with ptctl's program and with the empty one, runs interleaved.
 * The cost comes from each pair's difference, which a slow drift of the
 * machine's speed leaves alone.
 */
static int measure(struct bench *b, struct setup *s, const struct bench_case *c, struct result *res)
{
	double real[RUNS_MAX], empty[RUNS_MAX], plus[RUNS_MAX];
	__u8 frame[PKT_MAX];
	size_t len = case_frame(c, s->n_rules, frame);

	for (int i = 0; i < b->runs; i++) {
		if (run_one(b, s, c, true, frame, len, &real[i]) ||
		    run_one(b, s, c, false, frame, len, &empty[i]))
			return -1;
		plus[i] = real[i] - empty[i];
	}
	res->plus_ns = mid_mean(plus, b->runs);
	res->ns = median(real, b->runs);
	res->empty_ns = median(empty, b->runs);
	return 0;
}

static void print_header(const struct bench *b)
{
	struct utsname u;

	uname(&u);
	printf("ptctl bench: per-packet cost of the datapath programs, with BPF_PROG_TEST_RUN\n"
	       "  kernel %s, %ld CPUs online\n"
	       "  commands: make bench; build/bench [-r REPEAT] [-n RUNS] (as root)\n"
	       "  ns/pkt        time per run: median of %d test runs x %u repeats\n"
	       "  empty ns/pkt  same packet, a program that only returns XDP_PASS / TC_ACT_OK,\n"
	       "                test runs interleaved with the real ones\n"
	       "  +ns           ns/pkt - empty ns/pkt of each pair of runs: mean of the middle half\n"
	       "  ratio         ns/pkt / empty ns/pkt\n"
	       "  rules         rule i triggers on tcp:%d+i, opens tcp:%d+i; the packet\n"
	       "                hits the last one added (active, held by %s)\n"
	       "  The packets run as on the WAN interface of a namespace set up as a router,\n"
	       "  its conntrack holding the flows of the cases.\n\n",
	       u.release, sysconf(_SC_NPROCESSORS_ONLN), b->runs, b->repeat, TRIG_BASE, OPEN_BASE,
	       LAN);
	printf("%-32s %5s %8s %13s %7s %7s\n", "case", "rules", "ns/pkt", "empty ns/pkt", "+ns",
	       "ratio");
}

static void print_row(const struct bench_case *c, int n_rules, const struct result *r)
{
	printf("%-32s %5d %8.1f %13.1f %7.1f %6.2fx\n", c->name, n_rules, r->ns, r->empty_ns,
	       r->plus_ns, r->empty_ns > 0 ? r->ns / r->empty_ns : 0.0);
}

static int bench_all(struct bench *b)
{
	struct result r;

	print_header(b);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t j = 0; j < N_SETUPS; j++) {
			if (measure(b, &b->setups[j], &cases[i], &r))
				return -1;
			print_row(&cases[i], b->setups[j].n_rules, &r);
			fflush(stdout);
		}
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bench [-r REPEAT] [-n RUNS]\n"
		"  -r REPEAT  runs per BPF_PROG_TEST_RUN (default %d)\n"
		"  -n RUNS    test runs per case, median taken (default %d, at most %d)\n",
		REPEAT_DEFAULT, RUNS_DEFAULT, RUNS_MAX);
}

static int parse_num(const char *arg, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(arg, &end, 10);
	return errno || *end || end == arg || *v < 1 || *v > max ? -1 : 0;
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	long v;
	int opt;

	b->repeat = REPEAT_DEFAULT;
	b->runs = RUNS_DEFAULT;
	while ((opt = getopt(argc, argv, "r:n:h")) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'r':
			if (parse_num(optarg, 100000000, &v))
				goto bad;
			b->repeat = v;
			break;
		case 'n':
			if (parse_num(optarg, RUNS_MAX, &v))
				goto bad;
			b->runs = v;
			break;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	fail("invalid arguments (REPEAT: 1 to 100000000, RUNS: 1 to %d)", RUNS_MAX);
	usage(stderr);
	return -1;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int err;

	if (parse_args(&b, argc, argv))
		return 1;
	libbpf_set_print(libbpf_print);
	err = bench_open(&b) || bench_all(&b);
	bench_close(&b);
	return err ? 1 : 0;
}
