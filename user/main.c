// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl: global options, and the command of argv[1] from the command table
 * (commands.c). Exit status: 0 done, 1 failed, 2 usage error, 3 (status)
 * the instance is degraded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "out.h"
#include "ptctl.h"

int pt_dev_args(int argc, char **argv, const char **dev, const char **name, bool *flag)
{
	int c, want = name ? 1 : 0;

	*dev = NULL;
	while ((c = pt_getopt(argc, argv, NULL)) != -1) {
		if (c == '?')
			return -1;
		if (c == 'd')
			*dev = optarg;
		else if (flag)
			*flag = true;
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
	const struct pt_command *cmd;
	int ret;

	argc = global_opts(argc, argv, &want_help, &want_version);
	libbpf_set_print(libbpf_print);
	if (want_version) {
		printf("ptctl %s (libbpf %s)\n", PT_VERSION, libbpf_version_string());
		return 0;
	}
	cmd = argc > 1 ? pt_command_find(argv[1]) : NULL;
	if (want_help && (!cmd || cmd->fn != cmd_help)) {
		pt_help(cmd); /* ptctl -h, ptctl COMMAND --help */
		return 0;
	}
	if (argc < 2) {
		pt_usage("", "no command");
		return 2;
	}
	if (!cmd) {
		pt_error("unknown command '%s' (see 'ptctl help')", argv[1]);
		return 2;
	}
	if (cmd->fn != cmd_help && geteuid() != 0) {
		pt_error("ptctl %s needs root (CAP_BPF and CAP_NET_ADMIN)", argv[1]);
		return 1;
	}
	ret = cmd->fn(argc - 1, argv + 1);
	return pt_usage_failed ? 2 : ret < 0 ? 1 : ret;
}
