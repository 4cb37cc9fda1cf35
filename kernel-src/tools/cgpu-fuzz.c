// SPDX-License-Identifier: GPL-2.0
/*
 * cgpu-smoke's seeded, struct-aware fuzzer: valid argument sizes with random fields, names at their
 * length limits, procfs writes, mmap shapes, open/close: where a generic fuzzer cannot reach
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "smoke.h"

#define FUZZ_FDS	4

static uint64_t state;

/* xorshift64*: the same seed gives the same run */
static uint64_t rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545F4914F6CDD1DULL;
}

static unsigned int pick(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

/* Interesting 64-bit values first, then anything. */
static uint64_t value(void)
{
	static const uint64_t edge[] = { 0, 1, 4095, 4096, 1ULL << 20, 1ULL << 28, UINT32_MAX,
					 (uint64_t)INT64_MAX, UINT64_MAX, CGPU_MAX_JOB_US,
					 CGPU_MAX_JOB_US + 1 };

	return pick(3) ? edge[pick(ARRAY_SIZE(edge))] : rnd();
}

/* A name: one of ours, or random bytes of a length near the limits. */
static void fuzz_name(char *dst, size_t size)
{
	static const char * const ours[] = { "fz0", "fz1", "fz2", "" };
	static const unsigned int lens[] = { 0, 1, 30, 31, 32 };
	unsigned int i, len;

	if (pick(2)) {
		snprintf(dst, size, "%s", ours[pick(ARRAY_SIZE(ours))]);
		return;
	}
	len = lens[pick(ARRAY_SIZE(lens))];
	for (i = 0; i < len && i < size; i++)
		dst[i] = pick(4) ? "abcXYZ09_-"[pick(10)] : (char)pick(256);
	if (len < size)
		dst[len] = pick(8) ? '\0' : 'x';
}

static void fuzz_ioctl(int fd)
{
	static const unsigned long cmds[] = { CGPU_IOC_GET_VERSION, CGPU_IOC_ATTACH,
					      CGPU_IOC_MEM_ALLOC, CGPU_IOC_MEM_FREE,
					      CGPU_IOC_SUBMIT, CGPU_IOC_GET_STATS };
	union {
		struct cgpu_version v;
		struct cgpu_attach a;
		struct cgpu_mem m;
		struct cgpu_submit s;
		struct cgpu_stats st;
		uint32_t w[32];
	} u;
	unsigned long cmd = cmds[pick(ARRAY_SIZE(cmds))];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(u.w); i++)
		u.w[i] = pick(2) ? 0 : (uint32_t)rnd();
	u.w[0] = pick(8) ? _IOC_SIZE(cmd) : (uint32_t)value();
	u.w[1] = pick(8) ? 0 : (uint32_t)rnd();
	if (cmd == CGPU_IOC_ATTACH)
		fuzz_name(u.a.name, sizeof(u.a.name));
	if (cmd == CGPU_IOC_MEM_ALLOC || cmd == CGPU_IOC_MEM_FREE) {
		u.m.bytes = value();
		u.m.handle = pick(2) ? pick(8) : value();
	}
	if (cmd == CGPU_IOC_SUBMIT)
		u.s.duration_us = pick(4) ? 1 + pick(2000) : value();
	if (!pick(16))
		cmd = _IOC(pick(4), CGPU_IOC_MAGIC, pick(256), pick(128));
	ioctl(fd, cmd, pick(32) ? (void *)&u : (void *)(uintptr_t)value());
}

static void fuzz_procfs(void)
{
	static const char * const files[] = { PROC "/inst_ctl", PROC "/0/fz0/weight",
					      PROC "/0/fz1/memsize", PROC "/0/max_inst",
					      PROC "/default_memsize" };
	char buf[80];
	size_t len;

	switch (pick(3)) {
	case 0:	/* create or destroy one of ours, maybe with an owner */
		len = snprintf(buf, sizeof(buf), "%c", pick(2) ? '0' + pick(3) : '-');
		fuzz_name(buf + len, 40);
		buf[len + 40] = '\0';
		if (pick(4) == 0)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %u %u %o",
				 pick(70000), pick(70000), pick(01000));
		len = strlen(buf);
		break;
	case 1:	/* a number, maybe out of range */
		len = snprintf(buf, sizeof(buf), "%llu%s", (unsigned long long)value(),
			       pick(2) ? "\n" : "");
		break;
	default:	/* bytes */
		len = pick(sizeof(buf) - 1);
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)pick(256);
	}
	/* default_memsize and max_inst are written only with sane numbers: others share them */
	proc_write_n(files[pick(3)], buf, len);
}

static void fuzz_mmap(int fd)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
				     PROT_NONE };
	size_t len = (1 + pick(3)) * (size_t)getpagesize();
	int flags = pick(2) ? MAP_SHARED : MAP_PRIVATE;
	void *p = mmap(NULL, len, prots[pick(ARRAY_SIZE(prots))], flags, fd,
		       pick(4) ? 0 : (off_t)pick(4) * getpagesize());

	if (p == MAP_FAILED)
		return;
	if (pick(2))
		mprotect(p, len, prots[pick(ARRAY_SIZE(prots))]);
	munmap(p, len);
}

void fuzz(unsigned long seed, unsigned int ops)
{
	struct cgpu_version v = { .size = sizeof(v) };
	int fds[FUZZ_FDS], i, n = 0, ctl;
	struct dirent *e;
	DIR *d;
	struct pollfd pfd;
	unsigned int op;

	state = seed ? seed : 1;
	printf("FUZZ %s seed %lu ops %u\n", tag, seed, ops);
	fflush(stdout);
	for (i = 0; i < FUZZ_FDS; i++)
		fds[i] = open(DEV, O_RDWR);
	for (op = 0; op < ops; op++) {
		int *fd = &fds[pick(FUZZ_FDS)];

		switch (pick(8)) {
		case 0:
			fuzz_procfs();
			break;
		case 1:
			if (*fd >= 0)
				close(*fd);
			*fd = open(DEV, O_RDWR);
			break;
		case 2:
			fuzz_mmap(*fd);
			break;
		case 3:
			pfd.fd = *fd;
			pfd.events = POLLIN;
			poll(&pfd, 1, 0);
			break;
		default:
			fuzz_ioctl(*fd);
		}
	}
	for (i = 0; i < FUZZ_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	ctl = open(DEV, O_RDWR);
	check(ctl >= 0 && xioctl(ctl, CGPU_IOC_GET_VERSION, &v) == 0,
	      "%u fuzzer operations with seed %lu; the module still answers", ops, seed);
	if (ctl >= 0)
		close(ctl);
	/* it runs when the scenario has no instance of its own: every one left is the fuzzer's */
	d = opendir(PROC "/0");
	while (d && (e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			n += ctl_write("-%s", e->d_name) == 0;
	if (d)
		closedir(d);
	printf("FUZZ %s left %d instance(s), destroyed\n", tag, n);
	check(proc_write(PROC "/0/max_inst", "16") == 0 &&
	      proc_write(PROC "/default_memsize", "268435456") == 0 &&
	      proc_num(PROC "/0/free_weight") == CGPU_MAX_WEIGHT,
	      "after the fuzzer's instances are gone, the whole weight budget is free");
}
