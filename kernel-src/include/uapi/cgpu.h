/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* cgpu ioctl ABI: one layout for 32- and 64-bit callers (no padding, 64-bit fields 8-aligned). */
#ifndef _UAPI_CGPU_H
#define _UAPI_CGPU_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CGPU_DEVICE_NAME	"cgpu-km"
#define CGPU_INST_DIR		"cgpu"		/* /dev/cgpu/<gpu>-<name>, one node per instance */
#define CGPU_ABI_VERSION	2
#define CGPU_NAME_LEN		32
#define CGPU_MAX_WEIGHT		16
#define CGPU_MAX_JOB_US		10000000ULL	/* one job runs for at most 10 s */
#define CGPU_MAX_QUEUED_JOBS	256		/* per open file */
#define CGPU_MAX_INST_JOBS	4096		/* per instance, all its files together */
#define CGPU_MAX_ALLOCS		1024		/* per open file */

/*
 * Every argument starts with @size, set by the caller to sizeof the struct it passes: a mismatch is
 * -EINVAL, so the layout can grow later. @flags must be 0.
 */
struct cgpu_version {
	__u32 size;
	__u32 flags;
	__u32 abi;		/* out: CGPU_ABI_VERSION */
	__u32 major;		/* out: module version */
	__u32 minor;
	__u32 patch;
};

struct cgpu_attach {
	__u32 size;
	__u32 flags;
	char name[CGPU_NAME_LEN];	/* in: instance name, NUL-terminated ("" on its node) */
	__u32 gpu;		/* out: GPU index of the instance */
	__u32 id;		/* out: instance id */
};

struct cgpu_mem {
	__u32 size;
	__u32 flags;
	__u64 bytes;		/* MEM_ALLOC in: bytes to charge to the instance quota */
	__u64 handle;		/* MEM_ALLOC out, MEM_FREE in */
};

struct cgpu_submit {
	__u32 size;
	__u32 flags;
	__u64 duration_us;	/* in: GPU time the job needs, 1..CGPU_MAX_JOB_US */
	__u64 job_id;		/* out */
};

struct cgpu_stats {
	__u32 size;
	__u32 flags;
	/* this open file */
	__u64 jobs_submitted;
	__u64 jobs_done;
	__u64 gpu_time_ns;
	__u64 mem_used;
	/* its instance */
	__u64 inst_gpu_time_ns;
	__u64 inst_mem_used;
	__u64 inst_mem_limit;
	__u32 inst_weight;
	__u32 gpu;
};

/*
 * The read-only page mmap() gives each open file. The kernel makes @seq odd while it updates the
 * counters: read @seq, the counters, @seq again, and retry while it was odd or changed.
 */
struct cgpu_counters {
	__u32 seq;
	__u32 abi;
	__u64 jobs_submitted;
	__u64 jobs_done;
	__u64 gpu_time_ns;
	__u64 mem_used;
};

/*
 * 0xC9 is free in Documentation/userspace-api/ioctl/ioctl-number.rst; ABI 1 used 'G', which Xen's
 * gntdev/gntalloc also use.
 */
#define CGPU_IOC_MAGIC		0xC9
#define CGPU_IOC_GET_VERSION	_IOWR(CGPU_IOC_MAGIC, 0x01, struct cgpu_version)
#define CGPU_IOC_ATTACH		_IOWR(CGPU_IOC_MAGIC, 0x02, struct cgpu_attach)
#define CGPU_IOC_MEM_ALLOC	_IOWR(CGPU_IOC_MAGIC, 0x03, struct cgpu_mem)
#define CGPU_IOC_MEM_FREE	_IOW(CGPU_IOC_MAGIC, 0x04, struct cgpu_mem)
#define CGPU_IOC_SUBMIT		_IOWR(CGPU_IOC_MAGIC, 0x05, struct cgpu_submit)
#define CGPU_IOC_GET_STATS	_IOWR(CGPU_IOC_MAGIC, 0x06, struct cgpu_stats)

#endif /* _UAPI_CGPU_H */
