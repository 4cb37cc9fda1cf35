// SPDX-License-Identifier: GPL-2.0
/* cgpu-smoke's adversarial scenario: what a hostile or careless tenant would try, one check each */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "smoke.h"

static char victim[CGPU_NAME_LEN], tenant_name[CGPU_NAME_LEN];

static char *node_path(unsigned int gpu, const char *name)
{
	static char p[96];

	snprintf(p, sizeof(p), "/dev/" CGPU_INST_DIR "/%u-%s", gpu, name);
	return p;
}

/* A page whose contents can be read but not written: every ioctl's reply copy faults. */
static void *ro_copy(const void *arg, size_t size)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, arg, size);
	if (mprotect(p, 4096, PROT_READ)) {
		munmap(p, 4096);
		return NULL;
	}
	return p;
}

/* --- tenancy: who may attach to what --- */

static void nobody_vs_victim(void *arg)
{
	int fd = open(DEV, O_RDWR), nfd;
	struct cgpu_version v = { .size = sizeof(v) };

	(void)arg;
	check(fd >= 0 && xioctl(fd, CGPU_IOC_GET_VERSION, &v) == 0,
	      "uid %d may open %s for GET_VERSION", NOBODY, DEV);
	check(fd >= 0 && attach(fd, victim) == -EPERM,
	      "uid %d cannot ATTACH to %s through %s (EPERM)", NOBODY, victim, DEV);
	check(fd >= 0 && mem_alloc(fd, 4096, NULL) == -ENOTCONN,
	      "uid %d cannot MEM_ALLOC from %s", NOBODY, victim);
	nfd = open(node_path(0, victim), O_RDWR);
	check(nfd < 0 && errno == EACCES, "uid %d cannot open %s (EACCES)", NOBODY,
	      node_path(0, victim));
	if (nfd >= 0)
		close(nfd);
	nfd = open(PROC "/0", O_RDONLY | O_DIRECTORY);
	check(nfd < 0 && errno == EACCES, "uid %d cannot list %s/0 (EACCES)", NOBODY, PROC);
	if (nfd >= 0)
		close(nfd);
	check(access(PROC "/0/free_weight", R_OK) == 0 &&
	      access(inst_path(victim, "meminfo"), R_OK) && errno == EACCES,
	      "uid %d reads the GPU's free_weight but not %s's meminfo (EACCES)", NOBODY, victim);
	if (fd >= 0)
		close(fd);
}

static void nobody_as_tenant(void *arg)
{
	int fd = open(node_path(0, tenant_name), O_RDWR), other;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t h = 0;

	(void)arg;
	check(fd >= 0, "uid %d opens its own node %s", NOBODY, node_path(0, tenant_name));
	check(fd >= 0 && attach(fd, "") == 0, "ATTACH \"\" through the node binds to %s",
	      tenant_name);
	/*
	 * Wait for the job to end: one still in its slice when the file closes counts against the
	 * instance until the slice is over, and queue_cap() then finds one place less.
	 */
	check(fd >= 0 && mem_alloc(fd, 4096, &h) == 0 && submit(fd, 1000) == 0 &&
	      poll(&pfd, 1, 5000) == 1,
	      "the tenant allocates and submits, and its job ends (POLLIN)");
	other = open(node_path(0, tenant_name), O_RDWR);
	check(other >= 0 && attach(other, victim) == -EPERM,
	      "its node cannot ATTACH to another instance (EPERM)");
	if (other >= 0)
		close(other);
	other = open(node_path(0, tenant_name), O_RDONLY);
	check(other >= 0 && attach(other, "") == -EBADF && submit(other, 1000) == -EBADF &&
	      mem_alloc(other, 4096, NULL) == -EBADF,
	      "a read-only open of its node cannot ATTACH, SUBMIT or MEM_ALLOC (EBADF)");
	if (other >= 0)
		close(other);
	if (fd >= 0)
		close(fd);
}

/* One instance's queue is bounded over all its files: more files make no longer list to walk. */
static void queue_cap(const char *name, const char *other_name)
{
	int fds[CGPU_MAX_INST_JOBS / CGPU_MAX_QUEUED_JOBS + 1], other;
	unsigned int i, j, n = ARRAY_SIZE(fds), queued = 0, attached = 0;
	int last = 0;

	for (i = 0; i < n; i++) {
		fds[i] = open(node_path(0, name), O_RDWR);
		if (fds[i] < 0 || attach(fds[i], "") != 0)
			continue;
		attached++;
		for (j = 0; j < CGPU_MAX_QUEUED_JOBS; j++) {
			last = submit(fds[i], CGPU_MAX_JOB_US);
			if (last)
				break;
			queued++;
		}
	}
	check(queued == CGPU_MAX_INST_JOBS && last == -EAGAIN,
	      "%s queues %u jobs over %u files: the instance's %d, then EAGAIN", name, queued, n,
	      CGPU_MAX_INST_JOBS);
	if (queued != CGPU_MAX_INST_JOBS || last != -EAGAIN)
		printf("# queue cap: %u of %u files attached, last SUBMIT gave %d\n", attached, n,
		       last);
	other = open(node_path(0, other_name), O_RDWR);
	check(other >= 0 && attach(other, "") == 0 && submit(other, 1000) == 0,
	      "%s still queues while %s is full", other_name, name);
	if (other >= 0)
		close(other);
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

#define REUSE_ROUNDS	20

/*
 * A container may keep a destroyed instance's node (a copy made with mknod, and its device-cgroup
 * rule): the minor must not name the next instance created, or the container attaches to it.
 */
static void minor_reuse(void)
{
	static const char stale[] = "/tmp/stale-node";
	dev_t seen[REUSE_ROUNDS + 1];
	unsigned int i, j, reused = 0, opened = 0, made = 0;
	char name[32];
	struct stat st;
	int fd;

	snprintf(name, sizeof(name), "reuse%s", tag);
	unlink(stale);
	for (i = 0; i <= REUSE_ROUNDS; i++) {
		if (ctl_write("0%s", name) || stat(node_path(0, name), &st))
			break;
		seen[made++] = st.st_rdev;
		for (j = 0; j + 1 < made; j++)
			reused += seen[j] == st.st_rdev;
		if (i == 0 && mknod(stale, S_IFCHR | 0600, st.st_rdev))
			break;
		fd = i ? open(stale, O_RDWR) : -1;
		if (fd >= 0) {
			opened++;
			close(fd);
		}
		ctl_write("-%s", name);
	}
	unlink(stale);
	check(made == REUSE_ROUNDS + 1 && reused == 0 && opened == 0,
	      "%u instances made one after another: %u reused a minor, %u opened the first one's node",
	      made, reused, opened);
}

void attack_tenancy(void)
{
	struct stat st;
	int fd;

	snprintf(victim, sizeof(victim), "victim%s", tag);
	snprintf(tenant_name, sizeof(tenant_name), "tenant%s", tag);
	check(ctl_write("0%s", victim) == 0, "root creates %s", victim);
	check(stat(node_path(0, victim), &st) == 0 && S_ISCHR(st.st_mode) &&
	      (st.st_mode & 0777) == 0600 && st.st_uid == 0 && st.st_gid == 0,
	      "%s is a char device of root, mode 0600", node_path(0, victim));
	in_child(nobody_vs_victim, NULL, 1);
	check(ctl_write("0%s %d %d 0600", tenant_name, NOBODY, NOBODY) == 0,
	      "create %s with its node owned by %d:%d, mode 0600", tenant_name, NOBODY, NOBODY);
	check(stat(node_path(0, tenant_name), &st) == 0 && st.st_uid == NOBODY &&
	      st.st_gid == NOBODY && (st.st_mode & 0777) == 0600,
	      "%s has that owner and mode", node_path(0, tenant_name));
	in_child(nobody_as_tenant, NULL, 1);
	/* The cap is the same code for both ABIs, and 4352 SUBMITs cost ~70 ms under TCG: once. */
	if (sizeof(long) == 8)
		queue_cap(tenant_name, victim);
	minor_reuse();
	check(ctl_write("0bad%s 1 2 1777", tag) == -EINVAL &&
	      ctl_write("0bad%s 1 2", tag) == -EINVAL &&
	      ctl_write("-%s 1 2 600", victim) == -EINVAL,
	      "malformed owners give EINVAL");
	check(ctl_write("0bad%s 4294967296 0 0600", tag) == -EINVAL &&
	      ctl_write("0bad%s 0 4294967296 0600", tag) == -EINVAL &&
	      ctl_write("0bad%s 0 0 010000000000600", tag) == -EINVAL,
	      "owner numbers that do not fit give EINVAL, not a wrapped uid 0 or mode 0600");
	fd = open(node_path(0, victim), O_RDWR);
	check(fd >= 0 && attach(fd, victim) == 0, "root attaches through the victim's node");
	check(ctl_write("-%s", victim) == -EBUSY, "the attached victim cannot be destroyed");
	if (fd >= 0)
		close(fd);
	check(ctl_write("-%s", victim) == 0 && ctl_write("-%s", tenant_name) == 0 &&
	      access(node_path(0, victim), F_OK) != 0,
	      "destroying removes the instances and their nodes");
}

/* --- procfs control needs CAP_SYS_ADMIN of the opener --- */

static void drop_sys_admin(void *arg)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int ok;

	(void)arg;
	ok = syscall(SYS_capget, &h, d) == 0;
	d[0].effective &= ~(1u << CAP_SYS_ADMIN);
	ok = ok && syscall(SYS_capset, &h, d) == 0;
	check(ok, "root drops CAP_SYS_ADMIN");
	check(ctl_write("0nocap%s", tag) == -EPERM, "inst_ctl without CAP_SYS_ADMIN gives EPERM");
	check(proc_write(PROC "/0/max_inst", "16") == -EPERM &&
	      proc_write(PROC "/default_memsize", "268435456") == -EPERM,
	      "max_inst and default_memsize without CAP_SYS_ADMIN give EPERM");
	check(proc_write(inst_path(name_a, "weight"), "2") == -EPERM &&
	      proc_write(inst_path(name_a, "memsize"), "4096") == -EPERM,
	      "weight and memsize without CAP_SYS_ADMIN give EPERM");
}

static void handed_fd(void *arg)
{
	int fd = *(int *)arg;
	char cmd[40];
	int n = snprintf(cmd, sizeof(cmd), "0handed%s", tag);

	check(write(fd, cmd, n) == n, "an inst_ctl fd opened by root works for uid %d", NOBODY);
}

void attack_procfs_caps(void)
{
	int fd;

	check(ctl_write("0%s", name_a) == 0, "create %s again", name_a);
	in_child(drop_sys_admin, NULL, 0);
	check(access(inst_path("nocap", "id"), F_OK) != 0 &&
	      proc_num(inst_path(name_a, "weight")) == 1,
	      "the refused writes changed nothing");
	fd = open(PROC "/inst_ctl", O_WRONLY);
	in_child(handed_fd, &fd, 1);
	if (fd >= 0)
		close(fd);
	check(ctl_write("-handed%s", tag) == 0, "the instance it created exists and goes");
	check(ctl_write("-%s", name_a) == 0, "destroy %s", name_a);
}

/* --- a reply that cannot be copied out leaves nothing behind --- */

void attack_copy_faults(void)
{
	struct cgpu_attach a = { .size = sizeof(a) };
	struct cgpu_submit s = { .size = sizeof(s), .duration_us = 1000 };
	struct cgpu_mem m = { .size = sizeof(m), .bytes = 4096 };
	struct cgpu_stats st = { .size = sizeof(st) }, before, after;
	struct pollfd pfd;
	char name[32], info[128];
	void *ro;
	int fd, r, i;

	snprintf(name, sizeof(name), "fault%s", tag);
	snprintf(a.name, sizeof(a.name), "%s", name);
	check(ctl_write("0%s", name) == 0, "create %s", name);
	fd = open(DEV, O_RDWR);
	ro = ro_copy(&a, sizeof(a));
	r = fd >= 0 && ro ? xioctl(fd, CGPU_IOC_ATTACH, ro) : -1;
	check(r == -EFAULT, "ATTACH with a read-only reply gives EFAULT (got %d)", r);
	check(ctl_write("-%s", name) == 0, "after it the instance is not attached: destroy works");
	check(ctl_write("0%s", name) == 0 && attach(fd, name) == 0,
	      "and a retried ATTACH succeeds, not EBUSY");
	if (ro)
		munmap(ro, 4096);

	stats(fd, &before);
	ro = ro_copy(&s, sizeof(s));
	r = ro ? xioctl(fd, CGPU_IOC_SUBMIT, ro) : -1;
	stats(fd, &after);
	check(r == -EFAULT && after.jobs_submitted == before.jobs_submitted,
	      "SUBMIT with a read-only reply gives EFAULT and queues nothing (%llu -> %llu)",
	      (unsigned long long)before.jobs_submitted, (unsigned long long)after.jobs_submitted);
	if (ro)
		munmap(ro, 4096);

	ro = ro_copy(&m, sizeof(m));
	r = ro ? xioctl(fd, CGPU_IOC_MEM_ALLOC, ro) : -1;
	check(r == -EFAULT && proc_read(inst_path(name, "meminfo"), info, sizeof(info)) == 0 &&
	      strstr(info, "used 0\n"),
	      "MEM_ALLOC with a read-only reply gives EFAULT, charges nothing");
	if (ro)
		munmap(ro, 4096);

	check(submit(fd, 1000) == 0, "SUBMIT a 1 ms job");
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; i < 50 && poll(&pfd, 1, 100) == 0; i++)
		;
	ro = ro_copy(&st, sizeof(st));
	r = ro ? xioctl(fd, CGPU_IOC_GET_STATS, ro) : -1;
	pfd.revents = 0;
	check(r == -EFAULT && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN),
	      "GET_STATS with a read-only reply gives EFAULT and keeps POLLIN");
	check(stats(fd, &st) == 0 && poll(&pfd, 1, 0) == 0, "a good GET_STATS then clears it");
	if (ro)
		munmap(ro, 4096);
	close(fd);
	check(ctl_write("-%s", name) == 0, "destroy %s", name);
}

/* --- names and procfs writes at their limits --- */

void attack_names(void)
{
	char n31[40], n32[40], w64[65];
	int fd, r1, r2;

	check(proc_write_n(PROC "/inst_ctl", "0\xc9x", 3) == -EINVAL,
	      "inst_ctl \"0\\xc9x\" gives EINVAL");
	check(proc_write_n(PROC "/inst_ctl", "0a\xe9", 3) == -EINVAL,
	      "inst_ctl \"0a\\xe9\" gives EINVAL");
	memset(n31, 'n', sizeof(n31));
	n31[0] = '0';
	n31[32] = '\0';
	check(proc_write(PROC "/inst_ctl", n31) == 0, "a name of 31 characters is accepted");
	n31[0] = '-';
	check(proc_write(PROC "/inst_ctl", n31) == 0, "and destroyed");
	memset(n32, 'n', sizeof(n32));
	n32[0] = '0';
	n32[33] = '\0';
	check(proc_write(PROC "/inst_ctl", n32) == -EINVAL, "a name of 32 characters gives EINVAL");
	memset(w64, 'w', sizeof(w64));
	w64[0] = '0';
	check(proc_write_n(PROC "/inst_ctl", w64, 64) == -EINVAL, "a 64-byte write gives EINVAL");
	fd = open(PROC "/inst_ctl", O_WRONLY);
	r1 = write(fd, "0", 1) < 0 ? -errno : 0;
	r2 = write(fd, "splitname", 9) < 0 ? -errno : 0;
	check(r1 == -EINVAL && r2 == -EINVAL && access(inst_path("splitname", "id"), F_OK) != 0,
	      "a command split over two writes is two malformed commands");
	if (fd >= 0)
		close(fd);
	check(proc_write_n(PROC "/inst_ctl", "0ab\0cd", 6) == -EINVAL &&
	      access(inst_path("ab", "id"), F_OK) != 0, "an embedded NUL gives EINVAL");
}

/* --- quotas and budgets --- */

static int count_instances(void)
{
	DIR *d = opendir(PROC "/0");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

void attack_limits(void)
{
	char name[32], other[32], buf[24];
	uint64_t h = 0;
	int fd, i, ok, r, n;

	snprintf(name, sizeof(name), "limits%s", tag);
	snprintf(other, sizeof(other), "other%s", tag);
	check(ctl_write("0%s", name) == 0, "create %s", name);
	fd = open_attached(name);
	/* 10 s jobs: none can end while the loop runs and give the 257th a place. */
	for (i = 0, ok = fd >= 0; ok && i < CGPU_MAX_QUEUED_JOBS; i++)
		ok = submit(fd, CGPU_MAX_JOB_US) == 0;
	r = fd >= 0 ? submit(fd, 1000) : 0;
	check(ok && r == -EAGAIN, "the %dth SUBMIT gives EAGAIN (got %d)",
	      CGPU_MAX_QUEUED_JOBS + 1, r);
	for (i = 0, ok = fd >= 0; ok && i < CGPU_MAX_ALLOCS; i++)
		ok = mem_alloc(fd, 1, &h) == 0;
	r = fd >= 0 ? mem_alloc(fd, 1, NULL) : 0;
	check(ok && r == -ENOSPC, "the %dth MEM_ALLOC gives ENOSPC (got %d)",
	      CGPU_MAX_ALLOCS + 1, r);
	check(mem_free(fd, h) == 0 && mem_free(fd, h) == -EINVAL, "a double MEM_FREE gives EINVAL");
	check(mem_alloc(fd, 0, NULL) == -EINVAL, "MEM_ALLOC of 0 bytes gives EINVAL");
	check(mem_alloc(fd, UINT64_MAX, NULL) == -ENOMEM,
	      "MEM_ALLOC of UINT64_MAX bytes gives ENOMEM");
	if (fd >= 0)
		close(fd);

	n = count_instances();
	snprintf(buf, sizeof(buf), "%d", n);
	check(proc_write(PROC "/0/max_inst", buf) == 0 && ctl_write("0%s", other) == -ENOSPC,
	      "with max_inst %d reached, create gives ENOSPC", n);
	snprintf(buf, sizeof(buf), "%d", n - 1);
	check(n < 2 || proc_write(PROC "/0/max_inst", buf) == -EINVAL,
	      "max_inst below the instances there are gives EINVAL");
	check(proc_write(PROC "/0/max_inst", "16") == 0, "max_inst back to 16");
	snprintf(buf, sizeof(buf), "%ld", 1 + proc_num(PROC "/0/free_weight"));
	check(proc_write(inst_path(name, "weight"), buf) == 0 &&
	      proc_num(PROC "/0/free_weight") == 0 && ctl_write("0%s", other) == -ENOSPC,
	      "with the weight budget used up (weight %s), create gives ENOSPC", buf);
	check(ctl_write("-%s", name) == 0 && proc_num(PROC "/0/free_weight") == CGPU_MAX_WEIGHT,
	      "destroying %s returns its weight", name);
}

/* --- several processes and threads at once --- */

struct race {
	int fd;
	int stop;		/* read and written with __atomic builtins */
};

static void *race_ioctl(void *p)
{
	struct race *r = p;
	struct cgpu_stats st;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		submit(r->fd, 100);
		stats(r->fd, &st);
	}
	return NULL;
}

static void *race_poll(void *p)
{
	struct race *r = p;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
		poll(&pfd, 1, 5);
	return NULL;
}

/*
 * Threads doing ioctl and poll on a file while the main thread closes it under them: the file is
 * this child's own, so the last of their calls to return runs the module's release.
 */
static void threads_and_close(void *arg)
{
	struct race r = { .fd = open_attached(arg) };
	pthread_t t[2];
	int made = 0, both;

	if (r.fd >= 0 && !pthread_create(&t[0], NULL, race_ioctl, &r))
		made++;
	if (made && !pthread_create(&t[1], NULL, race_poll, &r))
		made++;
	both = made == 2;
	usleep(50000);
	if (r.fd >= 0)
		close(r.fd);
	usleep(20000);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	while (made)
		pthread_join(t[--made], NULL);
	check(both, "a forked child's threads ran ioctl and poll on its file while it was closed");
}

/*
 * attack_concurrency() runs three processes over one span of time: each child says it is ready by
 * closing its end of @ready, then reads the span's end from @gate, and all three loop until then,
 * yielding the one vCPU at every step so that their calls interleave.
 */
#define BUSY_SPAN	0.05	/* seconds */
#define BUSY_JOBS	20	/* SUBMITs per tenant; the rest of its span allocates and frees */

static int ready[2] = { -1, -1 }, gate[2] = { -1, -1 };

/* In a child: say it is ready and wait for the end of the span (now, if the parent is gone). */
static double span_end(void)
{
	double end;

	close(ready[0]);
	close(ready[1]);
	close(gate[1]);
	if (read(gate[0], &end, sizeof(end)) != sizeof(end))
		end = now();
	close(gate[0]);
	return end;
}

/* A tenant's part of the span: MEM_ALLOC and MEM_FREE of 4 KiB, and BUSY_JOBS 0.5 ms jobs. */
static int busy_tenant(int fd, double end)
{
	int i, ok = fd >= 0;
	uint64_t h;

	for (i = 0; ok && (i < BUSY_JOBS || now() < end); i++) {
		ok = mem_alloc(fd, 4096, &h) == 0 && mem_free(fd, h) == 0;
		if (ok && i < BUSY_JOBS)
			ok = submit(fd, 500) == 0;
		sched_yield();
	}
	return ok;
}

static void second_tenant(void *arg)
{
	const char *name = arg;
	int fd = open_attached(name);

	check(busy_tenant(fd, span_end()),
	      "a second process on %s allocates, frees and submits at the same time", name);
	if (fd >= 0)
		close(fd);
}

static void procfs_writer(void *arg)
{
	const char *name = arg;
	char weight[96], memsize[96];
	double end;
	int i, ok = 1;

	snprintf(weight, sizeof(weight), PROC "/0/%s/weight", name);
	snprintf(memsize, sizeof(memsize), PROC "/0/%s/memsize", name);
	end = span_end();
	for (i = 0; i < 40 || now() < end; i++) {
		ok &= proc_write(weight, i & 1 ? "2" : "1") == 0;
		ok &= proc_write(memsize, i & 1 ? "1048576" : "268435456") == 0;
		sched_yield();
	}
	check(ok, "weight and memsize written throughout MEM_ALLOC and scheduling");
}

void attack_concurrency(void)
{
	char name[32], info[128], c;
	struct child second, writer;
	double end;
	int fd, ok;

	snprintf(name, sizeof(name), "busy%s", tag);
	check(ctl_write("0%s", name) == 0, "create %s", name);
	fd = open_attached(name);
	ok = !pipe(ready);
	if (!ok || pipe(gate)) {
		check(0, "two pipes to start three processes together: %s", strerror(errno));
		if (ok) {
			close(ready[0]);
			close(ready[1]);
		}
		goto out;
	}
	second = child_start(second_tenant, name, 0);
	writer = child_start(procfs_writer, name, 0);
	close(ready[1]);
	while (read(ready[0], &c, 1) > 0)
		;
	close(ready[0]);
	end = now() + BUSY_SPAN;
	ok = write(gate[1], &end, sizeof(end)) == sizeof(end) &&
	     write(gate[1], &end, sizeof(end)) == sizeof(end);
	close(gate[0]);
	close(gate[1]);
	check(ok && busy_tenant(fd, end), "this process allocates, frees and submits meanwhile");
	child_end(second);
	child_end(writer);
	in_child(threads_and_close, name, 0);
out:
	if (fd >= 0)
		close(fd);
	check(proc_read(inst_path(name, "meminfo"), info, sizeof(info)) == 0 &&
	      strstr(info, "used 0\n"), "after every file closed, %s has nothing charged", name);
	check(ctl_write("-%s", name) == 0, "destroy %s", name);
}

/* --- what a file allocates is charged to its opener's memory cgroup --- */

#define CG	"/sys/fs/cgroup"
#define MEMCG_OPENS	512

static long long cg_num(const char *path)
{
	char buf[64];

	return proc_read(path, buf, sizeof(buf)) ? -1 : strtoll(buf, NULL, 10);
}

static void memcg_opens(void *arg)
{
	const char *dir = arg;
	char path[128], pid[24];
	long long before, after;
	int fds[MEMCG_OPENS], i, n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	check(proc_write(path, pid) == 0, "join the memory cgroup %s", dir);
	snprintf(path, sizeof(path), "%s/memory.current", dir);
	before = cg_num(path);
	for (i = 0; i < MEMCG_OPENS; i++) {
		fds[i] = open(DEV, O_RDWR);
		n += fds[i] >= 0;
	}
	after = cg_num(path);
	/* each open has a page of counters: unaccounted, only struct file and the fd table count */
	check(n == MEMCG_OPENS && after - before >= MEMCG_OPENS * 4096LL * 3 / 4,
	      "%d opens raise memory.current by %lld KiB (want >= %d)", n, (after - before) / 1024,
	      MEMCG_OPENS * 4 * 3 / 4);
	for (i = 0; i < MEMCG_OPENS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

void attack_memcg(void)
{
	char dir[64], controllers[256] = "";

	mkdir(CG, 0755);
	if (access(CG "/cgroup.controllers", F_OK))
		mount("cgroup2", CG, "cgroup2", 0, NULL);
	proc_read(CG "/cgroup.controllers", controllers, sizeof(controllers));
	/* without it memory.current does not exist and the check below would read 0 KiB */
	if (!strstr(controllers, "memory")) {
		check(0, "the kernel has a memory cgroup controller (CONFIG_MEMCG) for opens");
		return;
	}
	proc_write(CG "/cgroup.subtree_control", "+memory");
	snprintf(dir, sizeof(dir), CG "/cgpu-smoke%s", tag);
	mkdir(dir, 0755);
	in_child(memcg_opens, dir, 0);
	check(rmdir(dir) == 0, "remove the cgroup again");
}

/* --- the counters page --- */

void attack_mmap(void)
{
	long pg = getpagesize();
	char name[32];
	uint64_t before;
	void *p, *q;
	int fd, mem;

	snprintf(name, sizeof(name), "map%s", tag);
	check(ctl_write("0%s", name) == 0, "create %s", name);
	fd = open_attached(name);
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, pg);
	check(p == MAP_FAILED, "mmap at pgoff 1 is refused");
	p = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	check(p == MAP_FAILED, "an executable mapping is refused");
	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
	check(p != MAP_FAILED, "a MAP_PRIVATE read-only mapping works");
	if (p != MAP_FAILED) {
		struct cgpu_counters *c = p;

		check(mprotect(p, pg, PROT_READ | PROT_WRITE) != 0,
		      "MAP_PRIVATE then mprotect(PROT_WRITE) is refused");
		check(mprotect(p, pg, PROT_READ | PROT_EXEC) != 0,
		      "mprotect(PROT_EXEC) is refused");
		before = c->jobs_submitted;
		mem = open("/proc/self/mem", O_RDWR);
		check(mem >= 0 &&
		      pwrite(mem, "\xff\xff\xff\xff", 4,
			     (off_t)(uintptr_t)&c->jobs_submitted) < 0 &&
		      c->jobs_submitted == before, "a write through /proc/self/mem is refused");
		if (mem >= 0)
			close(mem);
		q = mremap(p, pg, 2 * pg, MREMAP_MAYMOVE);
		check(q == MAP_FAILED, "mremap growth is refused");
		munmap(q == MAP_FAILED ? p : q, q == MAP_FAILED ? pg : 2 * pg);
	}
	close(fd);
	check(ctl_write("-%s", name) == 0, "destroy %s", name);
}

/* --- poll --- */

void attack_poll(void)
{
	struct pollfd pfd = { .events = POLLIN };
	char name[32];
	double t;
	int r;

	pfd.fd = open(DEV, O_RDWR);
	r = poll(&pfd, 1, 0);
	check(r == 0 && pfd.revents == 0, "poll on an unattached fd reports nothing");
	close(pfd.fd);
	snprintf(name, sizeof(name), "poll%s", tag);
	check(ctl_write("0%s", name) == 0, "create %s", name);
	pfd.fd = open_attached(name);
	t = now();
	r = poll(&pfd, 1, 50);
	t = now() - t;
	check(r == 0 && t >= 0.045, "poll with no job times out (%.0f ms of 50)", t * 1000);
	close(pfd.fd);
	check(ctl_write("-%s", name) == 0, "destroy %s", name);
}

/* --- unload and reload: 64-bit run only, at its end --- */

static char params[128];

static int insmod(const char *extra)
{
	const char *argv[8] = { "/bin/busybox", "insmod", "/cgpu.ko" };
	char copy[192];
	int n = 3;
	char *tok, *save;

	snprintf(copy, sizeof(copy), "%s %s", params, extra);
	tok = strtok_r(copy, "\n\t ", &save);
	for (; tok && n < 7; tok = strtok_r(NULL, "\n\t ", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	return run_cmd(argv);
}

static int rmmod(void)
{
	static const char * const argv[] = { "/bin/busybox", "rmmod", "cgpu", NULL };

	return run_cmd(argv);
}

static int stray_proc(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "race", 4) || !strncmp(e->d_name, "live", 4))
			n++;
	if (d)
		closedir(d);
	return n;
}

static int gone(void)
{
	return access(PROC, F_OK) && access("/dev/" CGPU_INST_DIR, F_OK) && access(DEV, F_OK) &&
	       access("/sys/class/" CGPU_DEVICE_NAME, F_OK) && access("/sys/module/cgpu", F_OK);
}

/* Creates and destroys instances through inst_ctl until killed, opening it anew each time. */
static void race_ctl(void)
{
	unsigned int i;
	char cmd[40];

	for (i = 0;; i++) {
		int fd = open(PROC "/inst_ctl", O_WRONLY);

		if (fd < 0)
			continue;
		snprintf(cmd, sizeof(cmd), "%crace%u", i & 1 ? '-' : '0', (i / 2) % 4);
		if (write(fd, cmd, strlen(cmd)) < 0)
			usleep(100);
		close(fd);
	}
}

#define RACE_CYCLES	8

int attack_unload(void)
{
	struct cgpu_stats st;
	char buf[64];
	int fd, vfd, i, ok, loaded = 1;
	void *p;
	pid_t pid;

	proc_read("/cgpu.params", params, sizeof(params));

	/* rmmod with the counters page still mapped after close: refused */
	check(ctl_write("0live64") == 0, "create live64, left for module exit to clean up");
	fd = open_attached("live64");
	p = fd >= 0 ? mmap(NULL, getpagesize(), PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (fd >= 0)
		close(fd);
	check(p != MAP_FAILED && rmmod() != 0,
	      "rmmod while the counters page is mapped after close is refused");
	if (p != MAP_FAILED)
		munmap(p, getpagesize());

	/* rmmod with a live instance and a procfs file held open */
	vfd = open(PROC "/version", O_RDONLY);
	check(rmmod() == 0, "rmmod with a live instance and a procfs file held open");
	loaded = !gone();
	check(!loaded && stray_proc() == 0, "nothing of the module is left after unload");
	check(vfd >= 0 && read(vfd, buf, sizeof(buf)) < 0,
	      "reading the held procfs file fails (%s)", strerror(errno));
	if (vfd >= 0)
		close(vfd);

	/* two GPUs, scheduling on GPU 1 */
	loaded = insmod("num_gpus=2") == 0;
	check(loaded && ctl_write("1gpu1x") == 0 &&
	      access("/dev/" CGPU_INST_DIR "/1-gpu1x", F_OK) == 0,
	      "num_gpus=2: an instance on GPU 1 with its node");
	fd = open_attached("gpu1x");
	ok = fd >= 0 && submit(fd, 2000) == 0;
	for (i = 0; ok && i < 100 && !(stats(fd, &st) == 0 && st.jobs_done == 1); i++)
		usleep(10000);
	check(ok && st.jobs_done == 1 && st.gpu == 1 && st.inst_gpu_time_ns >= 2000000,
	      "GPU 1 ran the job (%llu ns)", (unsigned long long)st.inst_gpu_time_ns);
	if (fd >= 0)
		close(fd);
	check(rmmod() == 0 && gone(), "unload with an instance on GPU 1");

	/* inst_ctl writers racing unload and load */
	loaded = insmod("") == 0;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		race_ctl();
		_exit(0);
	}
	ok = loaded;
	for (i = 0; ok && i < RACE_CYCLES; i++) {
		ok = rmmod() == 0;
		ok = ok && stray_proc() == 0;
		ok = ok && insmod("") == 0;
	}
	if (access(PROC, F_OK))
		insmod("");
	loaded = access(PROC, F_OK) == 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	check(ok, "%d unload/load cycles under concurrent inst_ctl create/destroy", RACE_CYCLES);
	check(stray_proc() == 0, "no instance directory outside /proc/cgpu_km");
	check(loaded && rmmod() == 0 && gone() && insmod("") == 0,
	      "a last unload leaves nothing, and the module loads again");
	for (i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "-race%d", i);
		proc_write(PROC "/inst_ctl", buf);
	}
	return ok;
}
