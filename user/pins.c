// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include "out.h"
#include "pins.h"

#define LOCK_NOTE_MS	1000	   /* say we wait after this long ... */
#define LOCK_GIVE_UP_MS 60000	   /* ... and give up after this */
#define PF_KTHREAD	0x00200000 /* include/linux/sched.h: a kernel thread */

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/* Is process pid a kernel thread (PF_KTHREAD in /proc/PID/stat's flags)? */
static bool is_kthread(int pid)
{
	char path[32], buf[512], *end;
	unsigned int flags;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name, whatever it holds: state, 5 numbers, flags. */
	end = strrchr(buf, ')');
	return end && sscanf(end + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 &&
	       flags & PF_KTHREAD;
}

/*
 * Same namespace of kind ns ("mnt", "net") as PID 1? Where PID 1 hides its
 * namespaces (a sandbox's init may, even from root), kthreadd (PID 2 in the
 * initial PID namespace) tells: kernel threads live in the initial ones.
 */
static bool ns_of_init(const char *ns)
{
	char self[64], init[64];
	struct stat a, b;

	snprintf(init, sizeof(init), "/proc/1/ns/%s", ns);
	if (stat(init, &b) && errno == EACCES && is_kthread(2))
		snprintf(init, sizeof(init), "/proc/2/ns/%s", ns);
	snprintf(self, sizeof(self), "/proc/self/ns/%s", ns);
	return !stat(self, &a) && !stat(init, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/*
 * A bpffs mounted in a private mount namespace dies with this process
 * (`ip netns exec` makes one, with a fresh /sys without bpffs): pins made
 * there would vanish and leave programs attached that nobody can reach.
 */
static int private_mounts(void)
{
	return pt_error("%s is not a bpffs in this mount namespace (as under 'ip netns exec'); "
			"run ptctl with 'nsenter --net=/run/netns/NAME' instead",
			PT_BPFFS);
}

int pt_bpffs_check(void)
{
	if (is_bpffs(PT_BPFFS))
		return 0;
	return ns_of_init("mnt") ? 1 : private_mounts();
}

int pt_ns_root(char *buf)
{
	struct stat st;

	if (ns_of_init("net")) {
		snprintf(buf, PT_ROOT_MAX, "%s", PT_PIN_ROOT);
		return 0;
	}
	if (stat("/proc/self/ns/net", &st))
		return pt_error("cannot tell this network namespace: %s", strerror(errno));
	snprintf(buf, PT_ROOT_MAX, "%s/netns:%lu", PT_PIN_ROOT, (unsigned long)st.st_ino);
	return 0;
}

int pt_pin_dir(const char *dev, char *buf)
{
	char root[PT_ROOT_MAX];

	if (pt_ns_root(root))
		return -1;
	snprintf(buf, PT_DIR_MAX, "%s/%.*s", root, IF_NAMESIZE - 1, dev);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* flock(fd) within LOCK_GIVE_UP_MS, saying so once it takes longer than LOCK_NOTE_MS. */
static int lock_wait(int fd, const char *what)
{
	long start = now_ms(), waited;
	bool noted = false;

	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK)
			return pt_error("cannot lock %s: %s", what, strerror(errno));
		waited = now_ms() - start;
		if (waited > LOCK_GIVE_UP_MS)
			return pt_error("another ptctl command has held %s for %ld s", what,
					waited / 1000);
		if (waited > LOCK_NOTE_MS && !noted) {
			pt_note("waiting for another ptctl command to finish");
			noted = true;
		}
		usleep(10000);
	}
	return 0;
}

static int no_bpffs(void)
{
	return pt_error("bpffs is not mounted at %s and cannot be mounted: %s", PT_BPFFS,
			strerror(errno));
}

/*
 * Mounts bpffs under a lock on the directory it goes on: of two ptctl
 * mounting it at once, the second would hide the first one's pins.
 */
int pt_bpffs_ensure(void)
{
	int fd, err = 0;

	if (is_bpffs(PT_BPFFS))
		return 0;
	if (!ns_of_init("mnt"))
		return private_mounts();
	if (mkdir(PT_BPFFS, 0700) && errno != EEXIST)
		return no_bpffs();
	fd = open(PT_BPFFS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return no_bpffs();
	if (lock_wait(fd, PT_BPFFS))
		err = -1;
	else if (!is_bpffs(PT_BPFFS) && mount("bpf", PT_BPFFS, "bpf", 0, "mode=0700"))
		err = no_bpffs();
	close(fd);
	return err;
}

int pt_lock(bool create, int *out)
{
	char root[PT_ROOT_MAX];
	struct stat held, now;
	int fd;

	*out = -1;
	if (pt_ns_root(root))
		return -1;
	/* The holder may remove the directory: lock until the lock is on the one in place. */
	for (;;) {
		if (create && ((mkdir(PT_PIN_ROOT, 0700) && errno != EEXIST) ||
			       (mkdir(root, 0700) && errno != EEXIST)))
			return pt_error("cannot create %s: %s", root, strerror(errno));
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && !create)
			return 0; /* nothing loaded here: nothing to serialize with */
		if (fd < 0)
			return pt_error("cannot open %s: %s", root, strerror(errno));
		if (lock_wait(fd, root)) {
			close(fd);
			return -1;
		}
		if (!fstat(fd, &held) && !stat(root, &now) && held.st_ino == now.st_ino) {
			*out = fd;
			return 0;
		}
		close(fd);
	}
}

void pt_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int pt_pins_remove(const char *dir)
{
	char path[PT_DIR_MAX + NAME_MAX + 2], root[PT_ROOT_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		/* Pins, and the monitors' lock directories (reader_N). */
		if (unlink(path) && rmdir(path))
			pt_note("cannot remove %s: %s", path, strerror(errno));
	}
	if (d)
		closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		return pt_error("cannot remove %s: %s", dir, strerror(errno));
	/* Empty namespace roots go too; they fail while other interfaces are loaded: fine. */
	if (!pt_ns_root(root) && strcmp(root, PT_PIN_ROOT))
		rmdir(root);
	rmdir(PT_PIN_ROOT);
	return 0;
}
