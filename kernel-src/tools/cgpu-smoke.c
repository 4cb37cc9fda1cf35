// SPDX-License-Identifier: GPL-2.0
/* cgpu-smoke: static user-space test of /dev/cgpu-km and /proc/cgpu_km, one line per check. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include "uapi/cgpu.h"

#define DEV	"/dev/" CGPU_DEVICE_NAME
#define PROC	"/proc/cgpu_km"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int passed, failed;
static const char *tag;		/* "64" or "32": which ABI this binary uses */
static char name_a[16], name_b[16];

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s ", ok ? "PASS" : "FAIL", tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write @val to a procfs file; returns 0 or -errno. */
static int proc_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

static int proc_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static long proc_num(const char *path)
{
	char buf[64];

	if (proc_read(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

static char *inst_path(const char *name, const char *file)
{
	static char p[128];

	snprintf(p, sizeof(p), PROC "/0/%s/%s", name, file);
	return p;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int open_attached(const char *name)
{
	struct cgpu_attach a = { .size = sizeof(a) };
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		return -errno;
	snprintf(a.name, sizeof(a.name), "%s", name);
	if (xioctl(fd, CGPU_IOC_ATTACH, &a)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int stats(int fd, struct cgpu_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return xioctl(fd, CGPU_IOC_GET_STATS, st);
}

static int submit(int fd, uint64_t us)
{
	struct cgpu_submit s = { .size = sizeof(s), .duration_us = us };

	return xioctl(fd, CGPU_IOC_SUBMIT, &s);
}

static void check_device_and_procfs(void)
{
	static const char * const files[] = { "version", "major", "default_memsize", "inst_ctl",
					      "0/policy", "0/max_inst", "0/free_weight" };
	struct stat st;
	char p[96];
	size_t i;

	check(stat(DEV, &st) == 0 && S_ISCHR(st.st_mode), "%s is a char device", DEV);
	check((st.st_mode & 0666) == 0666, "%s mode is 0666 (got %o)", DEV, st.st_mode & 0777);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), PROC "/%s", files[i]);
		check(access(p, F_OK) == 0, "%s exists", p);
	}
	check(proc_num(PROC "/major") == (long)major(st.st_rdev),
	      "major in procfs matches the device (%ld)",
	      proc_num(PROC "/major"));
}

static void check_instances(void)
{
	char cmd[40];

	snprintf(cmd, sizeof(cmd), "0%s", name_a);
	check(proc_write(PROC "/inst_ctl", cmd) == 0, "create instance %s", name_a);
	snprintf(cmd, sizeof(cmd), "0%s\n", name_b);
	check(proc_write(PROC "/inst_ctl", cmd) == 0,
	      "create instance %s (trailing newline)", name_b);
	check(proc_write(PROC "/inst_ctl", cmd) == -EEXIST,
	      "creating %s again gives EEXIST", name_b);
	check(proc_write(inst_path(name_b, "weight"), "3") == 0, "set weight of %s to 3", name_b);
	check(proc_num(inst_path(name_a, "weight")) == 1 &&
	      proc_num(inst_path(name_b, "weight")) == 3,
	      "weights read back as 1 and 3");
	check(proc_num(PROC "/0/free_weight") == CGPU_MAX_WEIGHT - 4,
	      "free_weight is %d", CGPU_MAX_WEIGHT - 4);
	check(proc_num(inst_path(name_a, "id")) > 0 && proc_num(inst_path(name_b, "id")) > 0 &&
	      proc_num(inst_path(name_a, "id")) != proc_num(inst_path(name_b, "id")),
	      "instances have distinct ids");
	check(proc_write(inst_path(name_a, "memsize"), "1048576") == 0,
	      "set memsize of %s to 1 MiB", name_a);
}

static void check_memory(int fd)
{
	struct cgpu_mem m = { .size = sizeof(m), .bytes = 512 * 1024 };
	struct cgpu_mem big = { .size = sizeof(big), .bytes = 600 * 1024 };
	struct cgpu_mem f = { .size = sizeof(f) };
	char info[128];

	check(xioctl(fd, CGPU_IOC_MEM_ALLOC, &m) == 0 && m.handle,
	      "MEM_ALLOC 512 KiB within quota");
	check(xioctl(fd, CGPU_IOC_MEM_ALLOC, &big) == -ENOMEM,
	      "MEM_ALLOC past the quota gives ENOMEM");
	check(proc_read(inst_path(name_a, "meminfo"), info, sizeof(info)) == 0 &&
	      strstr(info, "used 524288"),
	      "meminfo shows 524288 bytes used");
	check(proc_write(inst_path(name_a, "memsize"), "4096") == -EBUSY,
	      "memsize below usage gives EBUSY");
	f.handle = m.handle + 1000;
	check(xioctl(fd, CGPU_IOC_MEM_FREE, &f) == -EINVAL,
	      "MEM_FREE of an unknown handle gives EINVAL");
	f.handle = m.handle;
	check(xioctl(fd, CGPU_IOC_MEM_FREE, &f) == 0, "MEM_FREE");
	check(xioctl(fd, CGPU_IOC_MEM_ALLOC, &big) == 0, "MEM_ALLOC 600 KiB after the free");
}

/* Submit @n short jobs on each fd and poll until all are done. */
static void check_jobs(int fa, int fb)
{
	struct cgpu_stats sa, sb;
	struct pollfd pfd[2] = { { .fd = fa, .events = POLLIN }, { .fd = fb, .events = POLLIN } };
	double deadline = now() + 10;
	int i, ok = 1, done_a = 0, done_b = 0, polled_in = 0;

	for (i = 0; i < 3; i++)
		ok &= submit(fa, 10000) == 0 && submit(fb, 10000) == 0;
	check(ok, "SUBMIT 3 jobs of 10 ms on each instance");
	while ((done_a < 3 || done_b < 3) && now() < deadline) {
		int r = poll(pfd, 2, 1000);

		if (r > 0 && (pfd[0].revents & POLLIN))
			polled_in = 1;
		if (r > 0 && !stats(fa, &sa))
			done_a = sa.jobs_done;
		if (r > 0 && !stats(fb, &sb))
			done_b = sb.jobs_done;
	}
	check(done_a == 3 && done_b == 3,
	      "poll until done: %d and %d of 3 jobs finished", done_a, done_b);
	check(polled_in, "poll reported POLLIN for a finished job");
	pfd[0].revents = 0;
	check(poll(pfd, 1, 0) == 0, "no POLLIN once GET_STATS has seen every finished job");
}

static void check_mmap(int fd)
{
	const struct cgpu_counters *c;
	struct cgpu_counters snap;
	struct cgpu_stats st;
	uint32_t s1, s2;
	void *p;

	p = mmap(NULL, getpagesize(), PROT_READ, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED, "mmap the counters page read-only");
	if (p == MAP_FAILED)
		return;
	c = p;
	/* seqcount read: the full barriers also keep the compiler from caching the shared page */
	do {
		__sync_synchronize();
		s1 = c->seq;
		__sync_synchronize();
		snap.jobs_submitted = c->jobs_submitted;
		snap.jobs_done = c->jobs_done;
		snap.gpu_time_ns = c->gpu_time_ns;
		snap.mem_used = c->mem_used;
		__sync_synchronize();
		s2 = c->seq;
	} while ((s1 & 1) || s1 != s2);
	check(stats(fd, &st) == 0, "GET_STATS");
	check(c->abi == CGPU_ABI_VERSION, "counters page carries ABI %u", c->abi);
	check(snap.jobs_done == st.jobs_done && snap.jobs_submitted == st.jobs_submitted &&
	      snap.gpu_time_ns == st.gpu_time_ns && snap.mem_used == st.mem_used,
	      "GET_STATS and the mmap page agree (done %llu, gpu %llu ns, mem %llu)",
	      (unsigned long long)st.jobs_done, (unsigned long long)st.gpu_time_ns,
	      (unsigned long long)st.mem_used);
	check(st.gpu_time_ns >= 30000000ULL, "3 jobs of 10 ms used at least 30 ms of GPU time");
	check(mprotect(p, getpagesize(), PROT_READ | PROT_WRITE) != 0,
	      "mprotect to writable is refused");
	munmap(p, getpagesize());
	p = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p == MAP_FAILED, "a writable mapping is refused");
	p = mmap(NULL, 2 * getpagesize(), PROT_READ, MAP_SHARED, fd, 0);
	check(p == MAP_FAILED, "a two-page mapping is refused");
}

/* Both busy for 2 s: weights 1 and 3 must get 25% and 75% of GPU time, within 5 points. */
static void check_fairness(void)
{
	struct cgpu_stats a0, b0, a1, b1;
	int fa = open_attached(name_a), fb = open_attached(name_b);
	int i, ok = fa >= 0 && fb >= 0;
	double da, db, share_a, t0, t1;

	for (i = 0; ok && i < 100; i++)
		ok = submit(fa, 50000) == 0 && submit(fb, 50000) == 0;
	check(ok, "queue 5 s of work on each instance");
	usleep(200000);
	ok = ok && !stats(fa, &a0) && !stats(fb, &b0);
	t0 = now();
	usleep(2000000);
	ok = ok && !stats(fa, &a1) && !stats(fb, &b1);
	t1 = now();
	da = ok ? (double)(a1.inst_gpu_time_ns - a0.inst_gpu_time_ns) : 0;
	db = ok ? (double)(b1.inst_gpu_time_ns - b0.inst_gpu_time_ns) : 0;
	share_a = da + db > 0 ? 100 * da / (da + db) : 0;
	check(ok && share_a >= 20 && share_a <= 30,
	      "weight 1 got %.1f%% of GPU time (want 25 +- 5)", share_a);
	check(ok && share_a >= 20 && share_a <= 30,
	      "weight 3 got %.1f%% of GPU time (want 75 +- 5)", 100 - share_a);
	check(ok && (da + db) / 1e9 >= 0.8 * (t1 - t0),
	      "the GPU was busy: %.2f s of GPU time in %.2f s", (da + db) / 1e9, t1 - t0);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
}

static void check_bad_ioctls(int fd)
{
	struct cgpu_version v = { .size = sizeof(v) };
	struct cgpu_attach a = { .size = sizeof(a) };
	int fresh = open(DEV, O_RDWR);
	int r = xioctl(fd, CGPU_IOC_GET_VERSION, &v);

	check(r == 0 && v.abi == CGPU_ABI_VERSION, "GET_VERSION gives ABI %u, module %u.%u.%u",
	      v.abi, v.major, v.minor, v.patch);
	check(xioctl(fd, _IO(CGPU_IOC_MAGIC, 0x7f), NULL) == -ENOTTY,
	      "unknown command gives ENOTTY");
	check(xioctl(fd, _IOR('x', 1, int), &v) == -ENOTTY, "foreign ioctl type gives ENOTTY");
	check(xioctl(fd, CGPU_IOC_GET_VERSION, (void *)16) == -EFAULT, "bad pointer gives EFAULT");
	v.size = sizeof(v) - 4;
	check(xioctl(fd, CGPU_IOC_GET_VERSION, &v) == -EINVAL, "wrong size gives EINVAL");
	v.size = sizeof(v);
	v.flags = 1;
	check(xioctl(fd, CGPU_IOC_GET_VERSION, &v) == -EINVAL, "non-zero flags give EINVAL");
	check(submit(fd, 0) == -EINVAL, "SUBMIT of 0 us gives EINVAL");
	check(submit(fd, CGPU_MAX_JOB_US + 1) == -EINVAL, "SUBMIT over the job limit gives EINVAL");
	check(submit(fresh, 1000) == -ENOTCONN, "SUBMIT before ATTACH gives ENOTCONN");
	snprintf(a.name, sizeof(a.name), "nosuchinstance");
	check(xioctl(fresh, CGPU_IOC_ATTACH, &a) == -ENOENT,
	      "ATTACH to an unknown name gives ENOENT");
	memset(a.name, 'x', sizeof(a.name));
	check(xioctl(fresh, CGPU_IOC_ATTACH, &a) == -EINVAL,
	      "ATTACH with an unterminated name gives EINVAL");
	snprintf(a.name, sizeof(a.name), "%s", name_b);
	check(xioctl(fd, CGPU_IOC_ATTACH, &a) == -EBUSY, "ATTACH of an attached file gives EBUSY");
	check(lseek(fd, 0, SEEK_SET) < 0 && errno == ESPIPE, "lseek gives ESPIPE");
	if (fresh >= 0)
		close(fresh);
}

static void check_bad_procfs(void)
{
	static const char * const ctl[] = {
		"", "\n", "9gpu", "0", "0bad name", "0-dash", "x", "0policy", "-", "-no such",
		"0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	static const char * const weights[] = { "0", "17", "abc", "-1", "14", "3 4", "" };
	size_t i;
	int all = 1;

	for (i = 0; i < ARRAY_SIZE(ctl); i++) {
		int r = proc_write(PROC "/inst_ctl", ctl[i]);

		if (r != -EINVAL) {
			check(0, "inst_ctl \"%s\" gives EINVAL (got %d)", ctl[i], r);
			all = 0;
		}
	}
	check(all, "malformed inst_ctl writes give EINVAL");
	all = 1;
	for (i = 0; i < ARRAY_SIZE(weights); i++) {
		int r = proc_write(inst_path(name_a, "weight"), weights[i]);

		if (r != -EINVAL) {
			check(0, "weight \"%s\" gives EINVAL (got %d)", weights[i], r);
			all = 0;
		}
	}
	check(all, "malformed and over-budget weights give EINVAL");
	check(proc_num(inst_path(name_a, "weight")) == 1 && proc_num(PROC "/0/free_weight") == 12,
	      "rejected writes changed nothing");
	check(proc_write(inst_path(name_a, "memsize"), "-5") == -EINVAL,
	      "memsize \"-5\" gives EINVAL");
	check(proc_write(PROC "/0/max_inst", "0") == -EINVAL, "max_inst \"0\" gives EINVAL");
	check(proc_write(PROC "/default_memsize", "0") == -EINVAL,
	      "default_memsize \"0\" gives EINVAL");
	check(proc_write(PROC "/version", "2") < 0, "version is read-only");
}

static void check_teardown(int fa, int fb)
{
	char cmd[40];

	snprintf(cmd, sizeof(cmd), "-%s", name_a);
	check(proc_write(PROC "/inst_ctl", cmd) == -EBUSY,
	      "destroying an attached instance gives EBUSY");
	close(fa);
	close(fb);
	check(proc_write(PROC "/inst_ctl", cmd) == 0, "destroy %s after close", name_a);
	snprintf(cmd, sizeof(cmd), "-%s", name_b);
	check(proc_write(PROC "/inst_ctl", cmd) == 0, "destroy %s after close", name_b);
	check(access(inst_path(name_a, "id"), F_OK) != 0, "its procfs directory is gone");
	check(proc_num(PROC "/0/free_weight") == CGPU_MAX_WEIGHT,
	      "free_weight is back to %d", CGPU_MAX_WEIGHT);
}

int main(void)
{
	int fa, fb;

	tag = sizeof(long) == 8 ? "64" : "32";
	snprintf(name_a, sizeof(name_a), "smoke%sa", tag);
	snprintf(name_b, sizeof(name_b), "smoke%sb", tag);
	setvbuf(stdout, NULL, _IOLBF, 0);

	check_device_and_procfs();
	check_instances();
	fa = open_attached(name_a);
	fb = open_attached(name_b);
	check(fa >= 0 && fb >= 0, "open and ATTACH to %s and %s", name_a, name_b);
	if (fa < 0 || fb < 0)
		goto out;
	check_memory(fa);
	check_jobs(fa, fb);
	check_mmap(fa);
	check_fairness();
	check_bad_ioctls(fa);
	check_bad_procfs();
	check_teardown(fa, fb);
out:
	printf("smoke%s: %d passed, %d failed\n", tag, passed, failed);
	return failed ? 1 : 0;
}
