// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl monitor: the live stream of rule events from the pt_events ring
 * buffer (activated, conflict, expired, released), one line each, or one
 * JSON object a line with -j. Runs until interrupted, or --count events.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "out.h"
#include "dev.h"
#include "rule.h"

#define NSEC_PER_SEC 1000000000ll

struct monitor {
	const char *dev;
	const struct pt_maps *m;
	long long mono_to_real_ns; /* events carry CLOCK_MONOTONIC */
	unsigned long left;	   /* events still wanted; 0: no limit */
	bool draining;		   /* skipping what happened before we started */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * A ring buffer has one consumer position: two readers would each see part
 * of the events. One monitor per interface, then, held by a lock on its pin
 * directory (released when the process ends). Changes lock the namespace
 * root instead: a monitor never blocks them.
 */
static int lock_events(const struct pt_dev *d)
{
	int fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pt_error("cannot open %s: %s", d->dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return pt_error("another ptctl monitor is reading the events of %s", d->name);
	}
	return fd;
}

static const char *const ev_names[] = {
	[PT_EV_ACTIVATED] = "activated",
	[PT_EV_CONFLICT] = "conflict",
	[PT_EV_EXPIRED] = "expired",
	[PT_EV_RELEASED] = "released",
};

static long long clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* The rule's name, if the id still holds the generation the event is about. */
static void rule_name(const struct monitor *mon, const struct pt_event *ev, char *buf)
{
	struct pt_rule r;

	if (!bpf_map_lookup_elem(PT_FD(mon->m, pt_rules), &ev->rule, &r) && r.gen == ev->gen)
		snprintf(buf, PT_NAME_LEN, "%s", r.name);
	else
		snprintf(buf, PT_NAME_LEN, "#%u", ev->rule);
}

static void format_time(long long real_ns, char *buf, size_t len, bool utc)
{
	time_t secs = real_ns / NSEC_PER_SEC;
	struct tm tm;
	size_t n;

	if (utc)
		gmtime_r(&secs, &tm);
	else
		localtime_r(&secs, &tm);
	n = strftime(buf, len, utc ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03lld%s", real_ns % NSEC_PER_SEC / 1000000, utc ? "Z" : "");
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct monitor *mon = ctx;
	const struct pt_event *ev = data;
	char name[PT_NAME_LEN], when[40], holder[INET_ADDRSTRLEN], other[INET_ADDRSTRLEN];
	const char *other_key = ev->type == PT_EV_CONFLICT ? "challenger" : "previous";

	if (mon->draining || size < sizeof(*ev) || ev->type < PT_EV_ACTIVATED ||
	    ev->type > PT_EV_RELEASED)
		return 0;
	rule_name(mon, ev, name);
	format_time(ev->ts_ns + mon->mono_to_real_ns, when, sizeof(when), pt_json);
	inet_ntop(AF_INET, ev->holder, holder, sizeof(holder));
	inet_ntop(AF_INET, ev->other, other, sizeof(other));
	if (pt_json) {
		jw_obj(NULL);
		jw_str("time", when);
		jw_uint("ts_ns", ev->ts_ns);
		jw_str("dev", mon->dev);
		jw_str("event", ev_names[ev->type]);
		jw_str("rule", name);
		jw_str("holder", holder);
		if (pt_ip4(ev->other))
			jw_str(other_key, other);
		jw_end();
	} else {
		printf("%s %s %-9s rule %s holder %s", when, mon->dev, ev_names[ev->type], name,
		       holder);
		if (pt_ip4(ev->other))
			printf(" %s %s", other_key, other);
		putchar('\n');
	}
	fflush(stdout);
	if (mon->left && !--mon->left)
		stop = 1;
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct pt_dev d = PT_DEV_INIT;
	struct monitor mon = {};
	const char *dev = NULL;
	struct ring_buffer *rb;
	__u32 count;
	int c, lock = -1, err = 0;

	while ((c = pt_getopt(argc, argv, NULL)) != -1) {
		if (c == 'd')
			dev = optarg;
		else if (c == 'c' && !pt_parse_u32(optarg, &count) && count)
			mon.left = count;
		else if (c == 'c')
			return pt_error("invalid --count '%s': a positive number", optarg);
		else
			return -1;
	}
	if (optind != argc)
		return pt_usage(argv[0], "too many arguments");
	if (pt_dev_open(&d, dev, 0) || (lock = lock_events(&d)) < 0) {
		pt_dev_close(&d);
		return -1;
	}
	mon.dev = d.name;
	mon.m = &d.m;
	mon.mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	rb = ring_buffer__new(PT_FD(&d.m, pt_events), on_event, &mon, NULL);
	if (!rb) {
		err = -errno;
		goto out;
	}
	/* Events nobody read are history: a monitor shows what happens from now on. */
	mon.draining = true;
	ring_buffer__consume(rb);
	mon.draining = false;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	pt_note("monitoring %s (Ctrl-C to stop)", d.name);
	while (!stop) {
		err = ring_buffer__poll(rb, 200);
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
	}
	ring_buffer__free(rb);
out:
	close(lock);
	if (err < 0)
		pt_error("cannot read the events of %s: %s", d.name, strerror(-err));
	pt_dev_close(&d);
	return err < 0 ? -1 : 0;
}
