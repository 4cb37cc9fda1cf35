/* SPDX-License-Identifier: GPL-2.0 */
/* cgpu internal interfaces shared by the char device, procfs, scheduler and core. */
#ifndef _CGPU_PRIV_H
#define _CGPU_PRIV_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/timer.h>
#include <linux/proc_fs.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm_types.h>
#include <linux/uidgid.h>
#include "uapi/cgpu.h"

#define CGPU_VERSION_MAJOR	2
#define CGPU_VERSION_MINOR	1
#define CGPU_VERSION_PATCH	0
#define CGPU_VERSION_STR	"2.1.0"

#define CGPU_MAX_GPUS		8
#define CGPU_MAX_INST		16
/*
 * Minor 0 is /dev/cgpu-km; an instance's node has its id as minor, 1..CGPU_MINORS - 1: the whole
 * range a major has, so that ids can go round it before one is used again.
 */
#define CGPU_MINORS		(MINORMASK + 1)

/* Who may open an instance's device node: set once, at creation. */
struct cgpu_owner {
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
};

struct cgpu_gpu;
struct cgpu_file;

/* A share of one GPU: a name, a weight, a memory quota and a run queue of jobs. */
struct cgpu_instance {
	struct list_head node;		/* in gpu->instances, under cgpu_lock */
	struct cgpu_gpu *gpu;
	char name[CGPU_NAME_LEN];
	int id;				/* also the minor of its device node */
	u64 serial;			/* never reused, unlike @id */
	struct device *dev;		/* /dev/cgpu/<gpu>-<name> */
	unsigned int weight;		/* 1..CGPU_MAX_WEIGHT */
	u64 mem_limit;
	unsigned int attached;		/* open files bound to it, under cgpu_lock */
	struct proc_dir_entry *proc;
	void *proc_data;		/* owned by cgpu-procfs.c */
	/* under gpu->lock */
	struct list_head jobs;		/* queued jobs, oldest first */
	unsigned int njobs;		/* entries of @jobs, at most CGPU_MAX_INST_JOBS */
	struct list_head busy_node;	/* in gpu->busy while it has jobs */
	u64 vruntime;			/* GPU time scaled by 1/weight */
	u64 gpu_time_ns;
	u64 mem_used;
};

struct cgpu_job {
	struct list_head node;		/* in inst->jobs */
	struct cgpu_instance *inst;
	struct cgpu_file *owner;	/* NULL once its file is gone */
	u64 id;
	u64 remaining_ns;
};

/* One GPU: its instances and the kernel thread that time-slices it. */
struct cgpu_gpu {
	unsigned int index;
	unsigned int max_inst;
	struct list_head instances;	/* under cgpu_lock */
	struct proc_dir_entry *proc;
	spinlock_t lock;		/* run queues, accounting, counters */
	struct list_head busy;		/* instances with queued jobs */
	struct cgpu_job *running;	/* the job in the current slice */
	struct cgpu_instance *running_inst;
	struct task_struct *thread;
	wait_queue_head_t wake;		/* the thread waits here for work or slice end */
	wait_queue_head_t idle;		/* woken after every slice */
	struct timer_list slice_timer;
	bool slice_over;
	atomic64_t next_job_id;
};

struct cgpu_alloc {
	struct list_head node;
	u64 handle;
	u64 bytes;
};

/* Per open file of /dev/cgpu-km or of an instance's node. */
struct cgpu_file {
	struct mutex lock;		/* attach, allocations */
	struct file *file;		/* its opener's credentials decide ATTACH */
	u64 node_serial;		/* the instance whose node was opened; 0: /dev/cgpu-km */
	struct cgpu_instance *inst;	/* NULL until ATTACH */
	struct list_head allocs;
	unsigned int nr_allocs;
	u64 next_handle;
	wait_queue_head_t done_wait;	/* poll: a job of this file finished */
	spinlock_t stat_lock;		/* counters page; nests inside gpu->lock */
	/* under inst->gpu->lock */
	unsigned int queued;
	u64 jobs_seen;			/* jobs_done at the last GET_STATS, under @lock */
	struct cgpu_counters *counters;	/* the page mmap() exposes */
};

extern struct mutex cgpu_lock;
extern unsigned int cgpu_num_gpus;
extern unsigned int cgpu_slice_us;
extern u64 cgpu_default_memsize;
extern struct cgpu_gpu cgpu_gpus[CGPU_MAX_GPUS];

/* cgpu-core.c */
int cgpu_core_init(void);
void cgpu_core_publish(void);
void cgpu_core_exit(void);
struct cgpu_instance *cgpu_instance_find(const char *name);
int cgpu_instance_create(unsigned int gpu, const char *name, const struct cgpu_owner *owner);
int cgpu_instance_destroy(const char *name);
unsigned int cgpu_free_weight(struct cgpu_gpu *gpu);
unsigned int cgpu_count_instances(struct cgpu_gpu *gpu);
int cgpu_set_weight(struct cgpu_instance *inst, unsigned int weight);
int cgpu_set_memsize(struct cgpu_instance *inst, u64 bytes);
int cgpu_valid_name(const char *name);
int cgpu_file_open(struct cgpu_file *cf, unsigned int minor);
int cgpu_file_attach(struct cgpu_file *cf, const char *name, struct cgpu_attach *out);
void cgpu_file_unattach(struct cgpu_file *cf);
int cgpu_file_mem_alloc(struct cgpu_file *cf, u64 bytes, u64 *handle);
int cgpu_file_mem_free(struct cgpu_file *cf, u64 handle);
void cgpu_file_detach(struct cgpu_file *cf);
void cgpu_counters_update(struct cgpu_file *cf, u64 submitted, u64 done, u64 gpu_ns, s64 mem_delta);

/* os-interface.c: the scheduler and the kernel APIs that move between versions */
int cgpu_sched_start(struct cgpu_gpu *gpu);
void cgpu_sched_stop(struct cgpu_gpu *gpu);
u64 cgpu_sched_job_id(struct cgpu_gpu *gpu);
int cgpu_sched_submit(struct cgpu_file *cf, u64 duration_us, u64 job_id);
void cgpu_sched_cancel_file(struct cgpu_file *cf);
int cgpu_id_alloc(int from);
void cgpu_id_free(int id);
void cgpu_copy_name(char *dst, const char *src, size_t size);
struct proc_dir_entry *cgpu_os_proc_create(const char *name, umode_t mode,
					   struct proc_dir_entry *parent, void *data);
void *cgpu_os_pde_data(const struct inode *inode);
struct class *cgpu_os_class_create(const char *name);
struct device *cgpu_os_device_add(struct class *cls, dev_t devt, const struct cgpu_owner *owner,
				  const char *name);
void cgpu_os_vma_readonly(struct vm_area_struct *vma);

/* cgpu-procfs.c: the callbacks os-interface.c wires into the procfs ops */
int cgpu_proc_open(struct inode *inode, struct file *file);
ssize_t cgpu_proc_write(struct file *file, const char __user *buf, size_t len, loff_t *ppos);

int cgpu_procfs_init(void);
void cgpu_procfs_exit(void);
int cgpu_procfs_add_instance(struct cgpu_instance *inst);
void cgpu_procfs_remove_instance(struct cgpu_instance *inst);

/* cgpu-km.c */
extern int cgpu_major;
extern struct class *cgpu_class;

#endif /* _CGPU_PRIV_H */
