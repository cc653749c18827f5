/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of ptctl: each takes its own argv (argv[0] is the command name). */
#ifndef PT_CMD_H
#define PT_CMD_H

#include <getopt.h>
#include <stdbool.h>

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_add_rule(int argc, char **argv);
int cmd_del_rule(int argc, char **argv);
int cmd_enable_rule(int argc, char **argv);
int cmd_disable_rule(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* An option of a command, as pt_getopt(), help, the man page and the completion know it. */
struct pt_opt {
	const char *name; /* --name */
	int val;	  /* what pt_getopt() returns for it */
	const char *arg;  /* its value, as help shows it; NULL: a flag */
	const char *help;
	unsigned int flags; /* enum pt_opt_flags */
};

enum pt_opt_flags {
	PT_OPT_REQUIRED = 1 << 0, /* shown without brackets: the command checks it */
	PT_OPT_REPEAT = 1 << 1,	  /* may be given more than once */
};

struct pt_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;	   /* the positional arguments: "IFACE", "[NAME]", "" */
	const struct pt_opt *opts; /* ends with an empty entry */
	const char *summary;	   /* one line, lower case, no full stop */
	const char *example;
};

extern const struct pt_command pt_commands[];
extern const size_t pt_n_commands;
const struct pt_command *pt_command_find(const char *name);
/* Help on command c, or on all of them (c NULL); JSON with -j. */
void pt_help(const struct pt_command *c);
int cmd_help(int argc, char **argv);

/* Set by pt_usage(): whatever the command returns then, ptctl exits with 2. */
extern bool pt_usage_failed;
/*
 * A usage error of command cmd (problem says what): one `Error:` line with
 * the command's usage; returns -1, and ptctl exits with status 2.
 */
int pt_usage(const char *cmd, const char *problem);
/*
 * getopt_long over the options of the command argv[0] names, from the
 * command table: returns the option's val (its --name into *name, if not
 * NULL), -1 at the end, '?' after reporting a usage error (an unknown
 * option, a missing value, an option given twice that is not repeatable).
 */
int pt_getopt(int argc, char **argv, const char **name);
/*
 * The arguments of the commands taking [--dev IFACE], a NAME (name NULL: no
 * NAME) and at most one flag of their own (*flag set when given; flag NULL:
 * none in the command table).
 */
int pt_dev_args(int argc, char **argv, const char **dev, const char **name, bool *flag);

#endif /* PT_CMD_H */
