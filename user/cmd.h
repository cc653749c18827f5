/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of ptctl: each takes its own argv (argv[0] is the command name). */
#ifndef PT_CMD_H
#define PT_CMD_H

#include <getopt.h>

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

/*
 * A usage error of command cmd (problem says what): one `Error:` line with
 * the command's usage; returns -1, and ptctl exits with status 2.
 */
int pt_usage(const char *cmd, const char *problem);
/*
 * getopt_long over the command's long options (no short ones): an unknown
 * option or a missing value is reported as a usage error and returns '?'.
 */
int pt_getopt(int argc, char **argv, const struct option *opts, int *idx);
/* The arguments of the commands taking [--dev IFACE] and a NAME (name NULL: no NAME). */
int pt_dev_args(int argc, char **argv, const char **dev, const char **name);

#endif /* PT_CMD_H */
