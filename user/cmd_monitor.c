// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl monitor: the live stream of rule events (activated, conflict,
 * expired, released, refused), one line each, one JSON object a line with
 * -j, or to syslog. Each monitor reads a ring buffer of its own (a ring
 * buffer has one reader), so that a logger and a person can both watch.
 * Runs until interrupted, or --count events.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
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
	bool syslog;		   /* to syslog(3), not stdout */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * A slot of pt_readers for this monitor's ring buffer: one nobody holds
 * the lock of (a directory reader_N in the pin directory; bpffs takes no dots). A monitor that
 * died left its lock free: the next one takes the slot over. Returns the
 * lock (held until the process ends), or -1.
 */
static int reader_slot(const struct pt_dev *d, __u32 *slot)
{
	char path[PT_PIN_MAX];
	int fd;

	for (__u32 i = 0; i < PT_MAX_READERS; i++) {
		snprintf(path, sizeof(path), "%s/reader_%u", d->dir, i);
		if (mkdir(path, 0700) && errno != EEXIST)
			return pt_error("cannot create %s: %s", path, strerror(errno));
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return pt_error("cannot open %s: %s", path, strerror(errno));
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			*slot = i;
			return fd;
		}
		close(fd);
	}
	return pt_error("%d ptctl monitors read the events of %s already", PT_MAX_READERS, d->name);
}

static const char *const ev_names[] = {
	[PT_EV_ACTIVATED] = "activated", [PT_EV_CONFLICT] = "conflict", [PT_EV_EXPIRED] = "expired",
	[PT_EV_RELEASED] = "released",	 [PT_EV_REFUSED] = "refused",
};

static const char *const refusals[] = {
	[PT_REFUSED_NONE] = "",
	[PT_REFUSED_NOT_ALLOWED] = "not allowed",
	[PT_REFUSED_NOT_LAN] = "not LAN-initiated",
};

static const char *refusal_str(const struct pt_event *ev)
{
	return ev->reason <= PT_REFUSED_NOT_LAN ? refusals[ev->reason] : "";
}

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

/* An address of the event (of its family), in buf (PT_ADDR_STR). */
static const char *ev_addr(const struct pt_event *ev, const __u8 *a, char *buf)
{
	return pt_addr_str(pt_addr(a), ev->family, buf);
}

/* What the event says of its trigger packet: " (udp to 203.0.113.9:27015)", or "". */
static void packet_str(const struct pt_event *ev, char *buf, size_t len)
{
	char peer[PT_ADDR_STR];

	buf[0] = '\0';
	if (ev->proto)
		snprintf(buf, len, ev->family == PT_IPV6 ? " (%s to [%s]:%u)" : " (%s to %s:%u)",
			 pt_proto_str(ev->proto), pt_addr_str(pt_addr(ev->peer), ev->family, peer),
			 ev->port);
}

static void event_json(const struct monitor *mon, const struct pt_event *ev, const char *name)
{
	const char *other_key = ev->type == PT_EV_CONFLICT ? "challenger" : "previous";
	char when[40], addr[PT_ADDR_STR];

	format_time(ev->ts_ns + mon->mono_to_real_ns, when, sizeof(when), true);
	jw_obj(NULL);
	jw_str("time", when);
	jw_uint("ts_ns", ev->ts_ns);
	jw_str("dev", mon->dev);
	jw_str("event", ev_names[ev->type]);
	jw_str("rule", name);
	if (ev->type == PT_EV_REFUSED) {
		jw_str("host", ev_addr(ev, ev->other, addr));
		jw_str("reason", refusal_str(ev));
	} else {
		jw_str("holder", ev_addr(ev, ev->holder, addr));
		if (!pt_addr_none(pt_addr(ev->other)))
			jw_str(other_key, ev_addr(ev, ev->other, addr));
	}
	if (ev->proto) {
		jw_str("peer", ev_addr(ev, ev->peer, addr));
		jw_str("proto", pt_proto_str(ev->proto));
		jw_uint("port", ev->port);
	}
	jw_str("family", pt_family_str(ev->family));
	jw_end();
}

/* The event as a line, without its time: "wan0 activated rule game holder ...". */
static void event_text(const struct monitor *mon, const struct pt_event *ev, const char *name,
		       char *buf, size_t len)
{
	const char *other_key = ev->type == PT_EV_CONFLICT ? "challenger" : "previous";
	char holder[PT_ADDR_STR], other[PT_ADDR_STR], pkt[80];
	int n;

	ev_addr(ev, ev->holder, holder);
	ev_addr(ev, ev->other, other);
	packet_str(ev, pkt, sizeof(pkt));
	n = snprintf(buf, len, "%s %-9s rule %s ", mon->dev, ev_names[ev->type], name);
	if (ev->type == PT_EV_REFUSED)
		snprintf(buf + n, len - n, "host %s: %s%s", other, refusal_str(ev), pkt);
	else if (!pt_addr_none(pt_addr(ev->other)))
		snprintf(buf + n, len - n, "holder %s %s %s%s", holder, other_key, other, pkt);
	else
		snprintf(buf + n, len - n, "holder %s%s", holder, pkt);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct monitor *mon = ctx;
	const struct pt_event *ev = data;
	char name[PT_NAME_LEN], when[40], line[384];

	if (size < sizeof(*ev) || ev->type < PT_EV_ACTIVATED || ev->type > PT_EV_REFUSED)
		return 0;
	rule_name(mon, ev, name);
	if (pt_json) {
		event_json(mon, ev, name);
	} else {
		event_text(mon, ev, name, line, sizeof(line));
		format_time(ev->ts_ns + mon->mono_to_real_ns, when, sizeof(when), false);
		if (mon->syslog)
			syslog(ev->type == PT_EV_CONFLICT || ev->type == PT_EV_REFUSED ?
				       LOG_NOTICE :
				       LOG_INFO,
			       "%s", line);
		else
			printf("%s %s\n", when, line);
	}
	fflush(stdout);
	if (mon->left && !--mon->left)
		stop = 1;
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct pt_dev d = PT_DEV_INIT;
	struct ring_buffer *rb = NULL;
	struct monitor mon = {};
	int c, lock = -1, rb_fd = -1, err = 0;
	const char *dev = NULL;
	__u32 count, slot;

	while ((c = pt_getopt(argc, argv, NULL)) != -1) {
		if (c == 'd')
			dev = optarg;
		else if (c == 's')
			mon.syslog = true;
		else if (c == 'c' && !pt_parse_u32(optarg, &count) && count)
			mon.left = count;
		else if (c == 'c')
			return pt_error("invalid --count '%s': a positive number", optarg);
		else
			return -1;
	}
	if (optind != argc)
		return pt_usage(argv[0], "too many arguments");
	if (mon.syslog && pt_json)
		return pt_usage(argv[0], "--syslog writes text: no -j");
	if (pt_dev_open(&d, dev, 0) || (lock = reader_slot(&d, &slot)) < 0) {
		pt_dev_close(&d);
		return -1;
	}
	mon.dev = d.name;
	mon.m = &d.m;
	mon.mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	rb_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "pt_monitor", 0, 0, PT_EVENTS_SIZE, NULL);
	if (rb_fd < 0 || bpf_map_update_elem(PT_FD(&d.m, pt_readers), &slot, &rb_fd, BPF_ANY) ||
	    !(rb = ring_buffer__new(rb_fd, on_event, &mon, NULL))) {
		err = -errno;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (mon.syslog)
		openlog("ptctl", LOG_PID, LOG_DAEMON);
	pt_note("monitoring %s (Ctrl-C to stop)", d.name);
	while (!stop) {
		err = ring_buffer__poll(rb, 200);
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
	}
out:
	bpf_map_delete_elem(PT_FD(&d.m, pt_readers), &slot);
	ring_buffer__free(rb);
	if (rb_fd >= 0)
		close(rb_fd);
	close(lock);
	if (err < 0)
		pt_error("cannot read the events of %s: %s", d.name, strerror(-err));
	pt_dev_close(&d);
	return err < 0 ? -1 : 0;
}
