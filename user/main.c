// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl: the command table, global options and help. Exit status: 0 done,
 * 1 failed, 2 usage error, 3 (status) the instance is degraded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "out.h"
#include "ptctl.h"

static const struct pt_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args; /* one line */
} commands[] = {
	{ "load", cmd_load,
	  "IFACE [--mode native|generic] [--wan-addr A.B.C.D] [--mark VALUE[/MASK]] "
	  "[--fastpath LAN[,LAN...]]" },
	{ "unload", cmd_unload, "[--force | --keep-if-gone] IFACE" },
	{ "add-rule", cmd_add_rule,
	  "[--dev IFACE] NAME --trigger PROTO:PORTS --open PROTO:PORTS[,...] [--timeout T] "
	  "[--allow PREFIX[,...]] [--policy hold|newest] [--peer any|contacted] [--disabled]" },
	{ "del-rule", cmd_del_rule, "[--dev IFACE] NAME" },
	{ "enable-rule", cmd_enable_rule, "[--dev IFACE] NAME" },
	{ "disable-rule", cmd_disable_rule, "[--dev IFACE] NAME" },
	{ "release", cmd_release, "[--dev IFACE] NAME" },
	{ "flush", cmd_flush, "[--dev IFACE]" },
	{ "apply", cmd_apply, "FILE [--dev IFACE] [--check]" },
	{ "save", cmd_save, "[--dev IFACE]" },
	{ "list", cmd_list, "[--dev IFACE]" },
	{ "status", cmd_status, "[--dev IFACE] [NAME]" },
	{ "stats", cmd_stats, "[--dev IFACE] [--prometheus]" },
	{ "monitor", cmd_monitor, "[--dev IFACE] [--count N]" },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *help_tail =
	"\n"
	"Global options: -j JSON output, -p pretty JSON, -d libbpf debug log, -h help, -V version.\n"
	"PROTO is tcp, udp or both; PORTS is N or N-M. --dev may be left out when ptctl\n"
	"is loaded on exactly one interface. Timeouts take s, m, h or d (default 600s).\n"
	"Exit status: 0 done, 1 failed, 2 usage error, 3 degraded (status).\n"
	"\n"
	"Examples:\n"
	"  ptctl load wan0\n"
	"  ptctl load wan0 --fastpath br-lan\n"
	"  ptctl add-rule irc-dcc --trigger tcp:6667 --open tcp:59000-59010 --timeout 10m\n"
	"  ptctl add-rule game --trigger udp:27015-27030 --open udp:27000-27015,tcp:27020\n"
	"  ptctl -j list\n"
	"  ptctl status irc-dcc\n"
	"  ptctl -j monitor\n"
	"  ptctl apply --check /etc/ptctl/wan0.conf\n"
	"  ptctl apply /etc/ptctl/wan0.conf\n"
	"  ptctl save > /etc/ptctl/wan0.conf\n"
	"  ptctl del-rule irc-dcc\n"
	"  ptctl unload wan0\n";

static void help(void)
{
	if (pt_json) {
		jw_obj(NULL);
		jw_arr("commands");
		for (size_t i = 0; i < N_COMMANDS; i++) {
			jw_obj(NULL);
			jw_str("name", commands[i].name);
			jw_str("args", commands[i].args);
			jw_end();
		}
		jw_end();
		jw_end();
		return;
	}
	printf("Usage: ptctl [-j|-p] [-d] COMMAND ...\n\nCommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		printf("  ptctl %s %s\n", commands[i].name, commands[i].args);
	fputs(help_tail, stdout);
}

/* Set by pt_usage(): whatever a command returns then, ptctl exits with 2. */
static bool usage_failed;

int pt_usage(const char *cmd, const char *problem)
{
	usage_failed = true;
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, cmd))
			return pt_error("%s; usage: ptctl %s %s", problem, cmd, commands[i].args);
	return pt_error("%s (see 'ptctl -h')", problem);
}

int pt_getopt(int argc, char **argv, const struct option *opts, int *idx)
{
	char what[160];
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, ":", opts, idx);
	if (c != '?' && c != ':')
		return c;
	if (c == ':')
		snprintf(what, sizeof(what), "option '%s' needs a value", argv[optind - 1]);
	else if (optopt)
		snprintf(what, sizeof(what), "unknown option '-%c'", optopt);
	else
		snprintf(what, sizeof(what), "unknown option '%s'", argv[optind - 1]);
	pt_usage(argv[0], what);
	return '?';
}

int pt_dev_args(int argc, char **argv, const char **dev, const char **name)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{},
	};
	int c, want = name ? 1 : 0;

	*dev = NULL;
	while ((c = pt_getopt(argc, argv, opts, NULL)) != -1) {
		if (c != 'd')
			return -1;
		*dev = optarg;
	}
	if (argc - optind > want)
		return pt_usage(argv[0], "too many arguments");
	if (argc - optind < want)
		return pt_usage(argv[0], "no rule name");
	if (name)
		*name = argv[optind];
	return 0;
}

static bool debug;

/* ptctl reports failures itself; -d adds libbpf's detail (verifier log and all). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return debug ? vfprintf(stderr, fmt, ap) : 0;
}

/* Takes the global flags out of argv wherever they stand; returns the new argc. */
static int global_opts(int argc, char **argv, bool *want_help, bool *want_version)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json"))
			pt_json = true;
		else if (!strcmp(a, "-p") || !strcmp(a, "--pretty"))
			pt_json = pt_pretty = true;
		else if (!strcmp(a, "-d") || !strcmp(a, "--debug"))
			debug = true;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			*want_help = true;
		else if (!strcmp(a, "-V") || !strcmp(a, "--version"))
			*want_version = true;
		else
			argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	bool want_help = false, want_version = false;
	int ret;

	argc = global_opts(argc, argv, &want_help, &want_version);
	libbpf_set_print(libbpf_print);
	if (want_version) {
		printf("ptctl %s (libbpf %s)\n", PT_VERSION, libbpf_version_string());
		return 0;
	}
	if (want_help || (argc == 2 && !strcmp(argv[1], "help"))) {
		help();
		return 0;
	}
	if (argc < 2) {
		pt_usage("", "no command");
		return 2;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i].name, argv[1]))
			continue;
		if (geteuid() != 0) {
			pt_error("ptctl %s needs root (CAP_BPF and CAP_NET_ADMIN)", argv[1]);
			return 1;
		}
		ret = commands[i].fn(argc - 1, argv + 1);
		return usage_failed ? 2 : ret < 0 ? 1 : ret;
	}
	pt_error("unknown command '%s' (see 'ptctl -h')", argv[1]);
	return 2;
}
