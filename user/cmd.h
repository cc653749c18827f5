/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of ptctl: each takes its own argv (argv[0] is the command name). */
#ifndef PT_CMD_H
#define PT_CMD_H

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_add_rule(int argc, char **argv);
int cmd_del_rule(int argc, char **argv);
int cmd_enable_rule(int argc, char **argv);
int cmd_disable_rule(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* Prints the command's usage line as the error; ptctl then exits with status 2. */
int pt_usage(const char *cmd);
/* The arguments of the commands taking [--dev IFACE] and a NAME (name NULL: no NAME). */
int pt_dev_args(int argc, char **argv, const char **dev, const char **name);

#endif /* PT_CMD_H */
