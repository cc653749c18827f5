// SPDX-License-Identifier: GPL-2.0
/*
 * The command table: every command with its arguments, options, a line of
 * help and an example. Option parsing (pt_getopt), usage errors, `ptctl
 * help` and `ptctl COMMAND --help` all read it, so that they cannot differ;
 * the man page and the completion are checked against it (tests/cli).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "out.h"

#define OPT(_name, _val, _arg, _help, ...)                                          \
	{                                                                           \
		.name = _name, .val = _val, .arg = _arg, .help = _help, __VA_ARGS__ \
	}
/* Of every command that works on a loaded interface. */
#define DEV_OPT \
	OPT("dev", 'd', "IFACE", "the WAN interface; may be left out when ptctl is loaded on one")

/* clang-format off */
static const struct pt_opt load_opts[] = {
	OPT("mode", 'm', "native|generic", "XDP mode (default: native where the driver has it)"),
	OPT("wan-addr", 'w', "A.B.C.D", "forward for this WAN address only (default: all of IFACE's)"),
	OPT("mark", 'k', "VALUE[/MASK]", "conntrack mark of triggered flows (default 0x70740000/0xffff0000)"),
	OPT("fastpath", 'f', "LAN[,LAN...]", "forward accepted flows in XDP, to and from these LAN interfaces"),
	{},
};
static const struct pt_opt unload_opts[] = {
	OPT("force", 'f', NULL, "remove whatever ptctl left on IFACE, pins or not"),
	OPT("keep-if-gone", 'k', NULL, "IFACE is gone: keep rules and holders for its return"),
	{},
};
static const struct pt_opt add_rule_opts[] = {
	DEV_OPT,
	OPT("trigger", 'p', "PROTO:PORTS", "the ports LAN hosts send to", .flags = PT_OPT_REQUIRED),
	OPT("open", 'p', "PROTO:PORTS[,...]", "the ports opened to the holder (repeatable)", .flags = PT_OPT_REQUIRED | PT_OPT_REPEAT),
	OPT("timeout", 'p', "T", "idle time until the ports close: 90s, 10m, 2h, 1d (default 600s)"),
	OPT("allow", 'p', "PREFIX[,...]", "only these LAN hosts may trigger (A.B.C.D[/LEN])"),
	OPT("policy", 'p', "hold|newest", "whether a new host takes a held rule over (default hold)"),
	OPT("peer", 'p', "any|contacted", "admit any WAN host, or those the holder contacted (default any)"),
	OPT("disabled", 'p', NULL, "add it disabled"),
	{},
};
static const struct pt_opt dev_opts[] = { DEV_OPT, {} };
static const struct pt_opt apply_opts[] = {
	DEV_OPT,
	OPT("check", 'c', NULL, "print the plan, change nothing"),
	{},
};
static const struct pt_opt list_opts[] = {
	DEV_OPT,
	OPT("wide", 'w', NULL, "one line a rule, with its timeout and counters"),
	OPT("all", 'a', NULL, "every interface ptctl is loaded on (none: an empty list)"),
	{},
};
static const struct pt_opt stats_opts[] = {
	DEV_OPT,
	OPT("prometheus", 'P', NULL, "the Prometheus text format, rules included"),
	{},
};
static const struct pt_opt monitor_opts[] = {
	DEV_OPT,
	OPT("count", 'c', "N", "exit after N events"),
	OPT("syslog", 's', NULL, "to syslog (facility daemon), as the unit ptctl-log@IFACE does"),
	{},
};
static const struct pt_opt no_opts[] = { {} };

const struct pt_command pt_commands[] = {
	{ "load", cmd_load, "IFACE", load_opts,
	  "attach the datapath to a WAN interface, or upgrade it in place",
	  "ptctl load wan0 --fastpath br-lan" },
	{ "unload", cmd_unload, "IFACE", unload_opts,
	  "detach it and remove its pins, rules included",
	  "ptctl unload wan0" },
	{ "add-rule", cmd_add_rule, "NAME", add_rule_opts,
	  "add a port triggering rule",
	  "ptctl add-rule irc-dcc --trigger tcp:6667 --open tcp:59000-59010 --timeout 10m" },
	{ "del-rule", cmd_del_rule, "NAME", dev_opts,
	  "delete a rule (its holder is released)",
	  "ptctl del-rule irc-dcc" },
	{ "enable-rule", cmd_enable_rule, "NAME", dev_opts,
	  "enable a rule",
	  "ptctl enable-rule irc-dcc" },
	{ "disable-rule", cmd_disable_rule, "NAME", dev_opts,
	  "disable a rule (its holder is released)",
	  "ptctl disable-rule irc-dcc" },
	{ "release", cmd_release, "NAME", dev_opts,
	  "close a rule's ports now; any LAN host may take it again",
	  "ptctl release irc-dcc" },
	{ "flush", cmd_flush, "", dev_opts,
	  "delete every rule",
	  "ptctl flush --dev wan0" },
	{ "apply", cmd_apply, "FILE", apply_opts,
	  "make the rules those of a rules file (or UCI file)",
	  "ptctl apply --check /etc/ptctl/wan0.conf" },
	{ "save", cmd_save, "", dev_opts,
	  "print the rules as a rules file",
	  "ptctl save > /etc/ptctl/wan0.conf" },
	{ "list", cmd_list, "", list_opts,
	  "show the rules: state, holder, time left",
	  "ptctl -j list" },
	{ "status", cmd_status, "[NAME]", dev_opts,
	  "show a rule, or the instance and its health",
	  "ptctl status irc-dcc" },
	{ "stats", cmd_stats, "", stats_opts,
	  "show the datapath's counters",
	  "ptctl stats --prometheus" },
	{ "monitor", cmd_monitor, "", monitor_opts,
	  "print rule events as they happen (up to 4 monitors at once)",
	  "ptctl -j monitor --count 10" },
	{ "help", cmd_help, "[COMMAND]", no_opts,
	  "show the commands, or one command's options",
	  "ptctl help add-rule" },
};
/* clang-format on */
const size_t pt_n_commands = sizeof(pt_commands) / sizeof(pt_commands[0]);

#define PT_MAX_OPTS 16 /* options of one command */

const struct pt_command *pt_command_find(const char *name)
{
	for (size_t i = 0; i < pt_n_commands; i++)
		if (!strcmp(pt_commands[i].name, name))
			return &pt_commands[i];
	return NULL;
}

bool pt_usage_failed;

/* The command's arguments and options, as a usage line shows them (glue: see PT_GLUE). */
static void synopsis(const struct pt_command *c, char *buf, size_t len, char glue)
{
	size_t n = snprintf(buf, len, "%s", c->args);

	for (const struct pt_opt *o = c->opts; o->name && n < len; o++) {
		bool req = o->flags & PT_OPT_REQUIRED;

		n += snprintf(buf + n, len - n, "%s%s--%s%s%s%s", n ? " " : "", req ? "" : "[",
			      o->name, o->arg ? (char[]){ glue, 0 } : "", o->arg ?: "",
			      req ? "" : "]");
	}
}

int pt_usage(const char *cmd, const char *problem)
{
	const struct pt_command *c = pt_command_find(cmd);
	char syn[512];

	pt_usage_failed = true;
	if (!c)
		return pt_error("%s (see 'ptctl help')", problem);
	synopsis(c, syn, sizeof(syn), ' ');
	return pt_error("%s; usage: ptctl %s %s", problem, cmd, syn);
}

int pt_getopt(int argc, char **argv, const char **name)
{
	static struct option longopts[PT_MAX_OPTS + 1];
	static unsigned int seen; /* the options given so far */
	const struct pt_command *cmd = pt_command_find(argv[0]);
	const struct pt_opt *o;
	char what[160];
	int c, idx = -1, n = 0;

	if (optind <= 1)
		seen = 0;
	for (o = cmd->opts; o->name && n < PT_MAX_OPTS; o++, n++)
		longopts[n] = (struct option){ o->name, o->arg ? required_argument : no_argument,
					       NULL, o->val };
	longopts[n] = (struct option){};
	opterr = 0;
	c = getopt_long(argc, argv, ":", longopts, &idx);
	if (c == -1)
		return -1;
	if (c != '?' && c != ':') {
		o = &cmd->opts[idx];
		if (seen & 1u << idx && !(o->flags & PT_OPT_REPEAT)) {
			snprintf(what, sizeof(what), "--%s given twice", o->name);
			pt_usage(argv[0], what);
			return '?';
		}
		seen |= 1u << idx;
		if (name)
			*name = o->name;
		return c;
	}
	if (c == ':')
		snprintf(what, sizeof(what), "option '%s' needs a value", argv[optind - 1]);
	else if (optopt)
		snprintf(what, sizeof(what), "unknown option '-%c'", optopt);
	else
		snprintf(what, sizeof(what), "unknown option '%s'", argv[optind - 1]);
	pt_usage(argv[0], what);
	return '?';
}

static void help_json(const struct pt_command *c)
{
	char syn[512];

	synopsis(c, syn, sizeof(syn), ' ');
	jw_obj(NULL);
	jw_str("name", c->name);
	jw_str("usage", syn);
	jw_str("summary", c->summary);
	jw_arr("options");
	for (const struct pt_opt *o = c->opts; o->name; o++) {
		jw_obj(NULL);
		jw_str("name", o->name);
		if (o->arg)
			jw_str("arg", o->arg);
		else
			jw_null("arg");
		jw_str("help", o->help);
		jw_bool("required", o->flags & PT_OPT_REQUIRED);
		jw_bool("repeatable", o->flags & PT_OPT_REPEAT);
		jw_end();
	}
	jw_end();
	jw_str("example", c->example);
	jw_end();
}

static void help_command(const struct pt_command *c)
{
	char syn[512], opt[64];

	synopsis(c, syn, sizeof(syn), PT_GLUE);
	pt_wrapped(printf("Usage: ptctl %s ", c->name), syn, 8);
	printf("%c%s.\n", toupper((unsigned char)c->summary[0]), c->summary + 1);
	if (c->opts->name)
		printf("\nOptions:\n");
	for (const struct pt_opt *o = c->opts; o->name; o++) {
		snprintf(opt, sizeof(opt), "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ?: "");
		if (strlen(opt) > 29)
			printf("%s\n%-30s", opt, "");
		else
			printf("%-30s", opt);
		pt_wrapped(30, o->help, 30);
	}
	printf("\nExample:\n  %s\n", c->example);
}

static const char *help_tail =
	"\n"
	"Global options: -j JSON, -p pretty JSON, -d libbpf log, -h help, -V version.\n"
	"PROTO is tcp, udp or both; PORTS is N or N-M. Timeouts take s, m, h or d.\n"
	"Exit status: 0 done, 1 failed, 2 usage error, 3 degraded (status).\n"
	"'ptctl help COMMAND' or 'ptctl COMMAND --help' shows a command's options.\n";

void pt_help(const struct pt_command *c)
{
	if (c && pt_json) {
		help_json(c);
		return;
	}
	if (c) {
		help_command(c);
		return;
	}
	if (pt_json) {
		jw_obj(NULL);
		jw_arr("commands");
		for (size_t i = 0; i < pt_n_commands; i++)
			help_json(&pt_commands[i]);
		jw_end();
		jw_end();
		return;
	}
	printf("Usage: ptctl [-j|-p] [-d] COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < pt_n_commands; i++)
		printf("  %-14s%s\n", pt_commands[i].name, pt_commands[i].summary);
	fputs(help_tail, stdout);
}

int cmd_help(int argc, char **argv)
{
	const struct pt_command *c = argc > 1 ? pt_command_find(argv[1]) : NULL;

	if (argc > 2)
		return pt_usage(argv[0], "too many arguments");
	if (argc > 1 && !c)
		return pt_usage(argv[0], "no such command");
	pt_help(c);
	return 0;
}
