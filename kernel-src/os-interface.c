// SPDX-License-Identifier: GPL-2.0
/* cgpu scheduler thread and every kernel API that moves between versions (small patches). */
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timer.h>
#include "cgpu-priv.h"

static DEFINE_IDA(cgpu_ida);

/*
 * procfs: every cgpu file shares one set of operations; the per-file behaviour comes from the
 * entry's data (see cgpu-procfs.c).
 */
static const struct file_operations cgpu_os_proc_fops = {
	.owner		= THIS_MODULE,
	.open		= cgpu_proc_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.write		= cgpu_proc_write,
	.release	= single_release,
};

struct proc_dir_entry *cgpu_os_proc_create(const char *name, umode_t mode,
					   struct proc_dir_entry *parent, void *data)
{
	return proc_create_data(name, mode, parent, &cgpu_os_proc_fops, data);
}

/* The lowest free instance id from @from up; ids are 1..CGPU_MINORS - 1 (0 is "none"). */
int cgpu_id_alloc(int from)
{
	return ida_simple_get(&cgpu_ida, from, CGPU_MINORS, GFP_KERNEL);
}

/* The data pointer given to cgpu_os_proc_create() for this inode. */
void *cgpu_os_pde_data(const struct inode *inode)
{
	return PDE_DATA(inode);
}

/* A device node and who owns it in devtmpfs. */
struct cgpu_node {
	struct device dev;
	struct cgpu_owner owner;
};

/* devtmpfs asks for the owner and mode when it creates the node (NULLs when it removes it). */
static char *cgpu_devnode(struct device *dev, umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	struct cgpu_node *node = container_of(dev, struct cgpu_node, dev);

	if (mode)
		*mode = node->owner.mode;
	if (uid)
		*uid = node->owner.uid;
	if (gid)
		*gid = node->owner.gid;
	return NULL;
}

static const struct device_type cgpu_node_type = {
	.name		= "cgpu-node",
	.devnode	= cgpu_devnode,
};

void cgpu_id_free(int id)
{
	ida_simple_remove(&cgpu_ida, id);
}

struct class *cgpu_os_class_create(const char *name)
{
	return class_create(THIS_MODULE, name);
}

static void cgpu_node_release(struct device *dev)
{
	kfree(container_of(dev, struct cgpu_node, dev));
}

/* A '!' in @name is a '/' in /dev. Remove with device_unregister(). */
struct device *cgpu_os_device_add(struct class *cls, dev_t devt, const struct cgpu_owner *owner,
				  const char *name)
{
	struct cgpu_node *node;
	int ret;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return ERR_PTR(-ENOMEM);
	node->owner = *owner;
	device_initialize(&node->dev);
	node->dev.devt = devt;
	node->dev.class = cls;
	node->dev.type = &cgpu_node_type;
	node->dev.release = cgpu_node_release;
	ret = dev_set_name(&node->dev, "%s", name);
	if (!ret)
		ret = device_add(&node->dev);
	if (ret) {
		put_device(&node->dev);
		return ERR_PTR(ret);
	}
	return &node->dev;
}

/* Names come from user space, already checked for length and characters. */
void cgpu_copy_name(char *dst, const char *src, size_t size)
{
	strlcpy(dst, src, size);
}

/*
 * The counters page: never writable or executable (not even by mprotect() later), never copied
 * into a core dump, never grown by mremap.
 */
void cgpu_os_vma_readonly(struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_flags &= ~(VM_MAYWRITE | VM_MAYEXEC);
}

/* The slice timer ends the current time slice and wakes the scheduler thread. */
static void cgpu_slice_expired(struct timer_list *t)
{
	struct cgpu_gpu *gpu = from_timer(gpu, t, slice_timer);

	WRITE_ONCE(gpu->slice_over, true);
	wake_up(&gpu->wake);
}

/* The busy instance with the least weighted GPU time runs next. Called with gpu->lock held. */
static struct cgpu_instance *cgpu_pick(struct cgpu_gpu *gpu)
{
	struct cgpu_instance *inst, *best = NULL;

	list_for_each_entry(inst, &gpu->busy, busy_node)
		if (!best || inst->vruntime < best->vruntime)
			best = inst;
	return best;
}

static bool cgpu_has_work(struct cgpu_gpu *gpu)
{
	bool busy;

	spin_lock(&gpu->lock);
	busy = !list_empty(&gpu->busy);
	spin_unlock(&gpu->lock);
	return busy;
}

/* Unlink a queued job from its instance and free it; gpu->lock held. */
static void cgpu_job_free(struct cgpu_job *job)
{
	list_del(&job->node);
	job->inst->njobs--;
	kfree(job);
}

/* Charge @elapsed ns of GPU time to @job and its instance; finish the job once it is used up. */
static void cgpu_account(struct cgpu_gpu *gpu, struct cgpu_job *job, u64 elapsed)
{
	struct cgpu_instance *inst = job->inst;
	struct cgpu_file *cf = job->owner;
	bool done = !cf || elapsed >= job->remaining_ns;

	inst->gpu_time_ns += elapsed;
	inst->vruntime += div_u64(elapsed * CGPU_MAX_WEIGHT, max(1U, READ_ONCE(inst->weight)));
	if (done)
		cgpu_job_free(job);
	else
		job->remaining_ns -= elapsed;
	if (cf) {
		if (done)
			cf->queued--;
		cgpu_counters_update(cf, 0, done ? 1 : 0, elapsed, 0);
		if (done)
			wake_up_interruptible(&cf->done_wait);
	}
	if (list_empty(&inst->jobs))
		list_del_init(&inst->busy_node);
}

static int cgpu_sched_thread(void *data)
{
	struct cgpu_gpu *gpu = data;

	while (!kthread_should_stop()) {
		struct cgpu_instance *inst;
		struct cgpu_job *job;
		unsigned long ticks;
		ktime_t start;
		u64 run_ns;

		wait_event_interruptible(gpu->wake, kthread_should_stop() || cgpu_has_work(gpu));
		if (kthread_should_stop())
			break;

		spin_lock(&gpu->lock);
		inst = cgpu_pick(gpu);
		if (!inst) {
			spin_unlock(&gpu->lock);
			continue;
		}
		job = list_first_entry(&inst->jobs, struct cgpu_job, node);
		gpu->running = job;
		gpu->running_inst = inst;
		run_ns = min_t(u64, (u64)READ_ONCE(cgpu_slice_us) * NSEC_PER_USEC,
			       job->remaining_ns);
		gpu->slice_over = false;
		spin_unlock(&gpu->lock);

		/* The GPU is ours for one slice; the timer ends it. */
		start = ktime_get();
		ticks = max(1UL, usecs_to_jiffies((unsigned int)div_u64(run_ns, NSEC_PER_USEC)));
		mod_timer(&gpu->slice_timer, jiffies + ticks);
		wait_event_interruptible(gpu->wake,
					 READ_ONCE(gpu->slice_over) || kthread_should_stop());
		del_timer_sync(&gpu->slice_timer);

		spin_lock(&gpu->lock);
		cgpu_account(gpu, job, ktime_to_ns(ktime_sub(ktime_get(), start)));
		gpu->running = NULL;
		gpu->running_inst = NULL;
		spin_unlock(&gpu->lock);
		wake_up_all(&gpu->idle);
	}
	return 0;
}

int cgpu_sched_start(struct cgpu_gpu *gpu)
{
	struct task_struct *t;

	spin_lock_init(&gpu->lock);
	INIT_LIST_HEAD(&gpu->busy);
	init_waitqueue_head(&gpu->wake);
	init_waitqueue_head(&gpu->idle);
	timer_setup(&gpu->slice_timer, cgpu_slice_expired, 0);
	t = kthread_run(cgpu_sched_thread, gpu, "cgpu-sched/%u", gpu->index);
	if (IS_ERR(t))
		return PTR_ERR(t);
	gpu->thread = t;
	return 0;
}

/* Stops the thread; the caller has already removed every instance, so no job is left. */
void cgpu_sched_stop(struct cgpu_gpu *gpu)
{
	if (!gpu->thread)
		return;
	kthread_stop(gpu->thread);
	gpu->thread = NULL;
}

/* A new job id, unique on @gpu; taken before the job is queued, so gaps are possible. */
u64 cgpu_sched_job_id(struct cgpu_gpu *gpu)
{
	return atomic64_inc_return(&gpu->next_job_id);
}

/* Queue job @job_id of @duration_us (checked by the caller) on @cf's instance. */
int cgpu_sched_submit(struct cgpu_file *cf, u64 duration_us, u64 job_id)
{
	struct cgpu_instance *inst = cf->inst;
	struct cgpu_gpu *gpu = inst->gpu;
	struct cgpu_job *job;

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		return -ENOMEM;

	spin_lock(&gpu->lock);
	/*
	 * Bounded per file and per instance: a tenant opening many files still cannot grow the
	 * list that release walks under gpu->lock, which all tenants of the GPU take.
	 */
	if (cf->queued >= CGPU_MAX_QUEUED_JOBS || inst->njobs >= CGPU_MAX_INST_JOBS) {
		spin_unlock(&gpu->lock);
		kfree(job);
		return -EAGAIN;
	}
	job->id = job_id;
	job->inst = inst;
	job->owner = cf;
	job->remaining_ns = duration_us * NSEC_PER_USEC;
	list_add_tail(&job->node, &inst->jobs);
	inst->njobs++;
	cf->queued++;
	if (list_empty(&inst->busy_node)) {
		/* Idle time earns no credit: start level with the least-served busy instance. */
		struct cgpu_instance *least = cgpu_pick(gpu);

		if (least && least->vruntime > inst->vruntime)
			inst->vruntime = least->vruntime;
		list_add_tail(&inst->busy_node, &gpu->busy);
	}
	cgpu_counters_update(cf, 1, 0, 0, 0);
	spin_unlock(&gpu->lock);
	wake_up(&gpu->wake);
	return 0;
}

/* Drop a closing file's jobs; the one in the current slice is orphaned, the thread frees it. */
void cgpu_sched_cancel_file(struct cgpu_file *cf)
{
	struct cgpu_instance *inst = cf->inst;
	struct cgpu_job *job, *tmp;
	struct cgpu_gpu *gpu;

	if (!inst)
		return;
	gpu = inst->gpu;
	spin_lock(&gpu->lock);
	list_for_each_entry_safe(job, tmp, &inst->jobs, node) {
		if (job->owner != cf)
			continue;
		if (job == gpu->running)
			job->owner = NULL;
		else
			cgpu_job_free(job);
	}
	cf->queued = 0;
	if (list_empty(&inst->jobs))
		list_del_init(&inst->busy_node);
	spin_unlock(&gpu->lock);
}
