/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the cgpu smoke tool: checks, procfs access, ioctls, child processes. */
#ifndef CGPU_SMOKE_H
#define CGPU_SMOKE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "uapi/cgpu.h"

#define DEV	"/dev/" CGPU_DEVICE_NAME
#define PROC	"/proc/cgpu_km"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NOBODY	65534

extern const char *tag;		/* "64" or "32": which ABI this binary uses */
extern char name_a[16], name_b[16];

void check(int ok, const char *fmt, ...);
double now(void);
void part_time(const char *part, double since);
int proc_write(const char *path, const char *val);
int proc_write_n(const char *path, const void *val, size_t len);
int proc_read(const char *path, char *buf, size_t size);
long proc_num(const char *path);
char *inst_path(const char *name, const char *file);
int ctl_write(const char *fmt, ...);
int xioctl(int fd, unsigned long cmd, void *arg);
int attach(int fd, const char *name);
int open_attached(const char *name);
int submit(int fd, uint64_t us);
int stats(int fd, struct cgpu_stats *st);
int mem_alloc(int fd, uint64_t bytes, uint64_t *handle);
int mem_free(int fd, uint64_t handle);
/* A child process running checks; child_end() adds its counts here and reaps it. */
struct child {
	pid_t pid;
	int report;		/* read end of the pipe its counts come through */
	int err;		/* errno of a failed pipe or fork */
};

struct child child_start(void (*fn)(void *), void *arg, int as_nobody);
int child_end(struct child c);
/* Run @fn in a child (as uid/gid NOBODY if asked); its checks count here. Returns its status. */
int in_child(void (*fn)(void *), void *arg, int as_nobody);
void become_nobody(void);
int run_cmd(const char *const argv[]);

/* cgpu-attack.c: the adversarial scenario */
void attack_tenancy(void);
void attack_procfs_caps(void);
void attack_copy_faults(void);
void attack_names(void);
void attack_limits(void);
void attack_concurrency(void);
void attack_memcg(void);
void attack_mmap(void);
void attack_poll(void);
int attack_unload(void);

/* cgpu-fuzz.c: our seeded, struct-aware fuzzer */
void fuzz(unsigned long seed, unsigned int ops);

#endif /* CGPU_SMOKE_H */
