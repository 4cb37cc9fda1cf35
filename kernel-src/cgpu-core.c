// SPDX-License-Identifier: GPL-2.0
/* cgpu core: GPUs, instances with weights and memory quotas, per-file attachment and accounting. */
#include <linux/device.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>
#include "cgpu-priv.h"

/* Instance lists, weights, attachment counts. */
DEFINE_MUTEX(cgpu_lock);
/*
 * Serialises create and destroy: a name is never reused while its procfs directory goes away.
 * @cgpu_ctl_live says whether they may run at all: set once init has finished, cleared first
 * thing at exit, so inst_ctl never sees a half-built or half-torn-down core.
 */
static DEFINE_MUTEX(cgpu_ctl_lock);
static bool cgpu_ctl_live;
static u64 cgpu_next_serial;	/* under cgpu_lock */
struct cgpu_gpu cgpu_gpus[CGPU_MAX_GPUS];

static unsigned int cgpu_used_weight(struct cgpu_gpu *gpu)
{
	struct cgpu_instance *inst;
	unsigned int sum = 0;

	lockdep_assert_held(&cgpu_lock);
	list_for_each_entry(inst, &gpu->instances, node)
		sum += inst->weight;
	return sum;
}

unsigned int cgpu_free_weight(struct cgpu_gpu *gpu)
{
	return CGPU_MAX_WEIGHT - cgpu_used_weight(gpu);
}

unsigned int cgpu_count_instances(struct cgpu_gpu *gpu)
{
	struct cgpu_instance *inst;
	unsigned int n = 0;

	lockdep_assert_held(&cgpu_lock);
	list_for_each_entry(inst, &gpu->instances, node)
		n++;
	return n;
}

/* ASCII only: the kernel's isalpha() also takes Latin-1 letters (0xC0-0xFF). */
static bool cgpu_name_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool cgpu_name_char(char c)
{
	return cgpu_name_letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* 1..31 characters of [A-Za-z0-9_-], starting with a letter, and not a per-GPU file name. */
int cgpu_valid_name(const char *name)
{
	size_t i, len = strnlen(name, CGPU_NAME_LEN);

	if (len == 0 || len >= CGPU_NAME_LEN || !cgpu_name_letter(name[0]))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!cgpu_name_char(name[i]))
			return -EINVAL;
	if (!strcmp(name, "policy") || !strcmp(name, "max_inst") || !strcmp(name, "free_weight"))
		return -EINVAL;
	return 0;
}

struct cgpu_instance *cgpu_instance_find(const char *name)
{
	unsigned int g;
	struct cgpu_instance *inst;

	lockdep_assert_held(&cgpu_lock);
	for (g = 0; g < cgpu_num_gpus; g++)
		list_for_each_entry(inst, &cgpu_gpus[g].instances, node)
			if (!strcmp(inst->name, name))
				return inst;
	return NULL;
}

static int cgpu_instance_create_locked(unsigned int g, const char *name,
				       const struct cgpu_owner *owner);

/*
 * A new instance gets weight 1, the default memory size and a device node with @owner's uid, gid
 * and mode; tune weight and memory through procfs.
 */
int cgpu_instance_create(unsigned int g, const char *name, const struct cgpu_owner *owner)
{
	int ret = -ENODEV;

	mutex_lock(&cgpu_ctl_lock);
	if (cgpu_ctl_live)
		ret = cgpu_instance_create_locked(g, name, owner);
	mutex_unlock(&cgpu_ctl_lock);
	return ret;
}

/* Whether @gpu has room for one more instance of weight 1; max_inst and weights move meanwhile. */
static int cgpu_room(struct cgpu_gpu *gpu)
{
	lockdep_assert_held(&cgpu_lock);
	if (cgpu_count_instances(gpu) >= gpu->max_inst || cgpu_free_weight(gpu) < 1)
		return -ENOSPC;
	return 0;
}

/*
 * Instance ids are the minors of their nodes. They are handed out in turn over the whole minor
 * range, not lowest free first, so the node of a destroyed instance, kept by a container with its
 * device-cgroup rule, names no other instance until about a million more have been created.
 */
static int cgpu_id_take(void)
{
	static int next;	/* 0 until chosen: a random start spreads ids over reloads */
	int id;

	lockdep_assert_held(&cgpu_ctl_lock);
	if (!next)
		next = 1 + get_random_u32() % (CGPU_MINORS - 1);
	id = cgpu_id_alloc(next);
	if (id == -ENOSPC && next > 1)
		id = cgpu_id_alloc(1);
	if (id > 0)
		next = id + 1 < CGPU_MINORS ? id + 1 : 1;
	return id;
}

static int cgpu_instance_create_locked(unsigned int g, const char *name,
				       const struct cgpu_owner *owner)
{
	char node[sizeof(CGPU_INST_DIR) + 4 + CGPU_NAME_LEN];
	struct cgpu_instance *inst;
	struct cgpu_gpu *gpu;
	int ret;

	lockdep_assert_held(&cgpu_ctl_lock);
	if (g >= cgpu_num_gpus)
		return -EINVAL;
	ret = cgpu_valid_name(name);
	if (ret)
		return ret;
	gpu = &cgpu_gpus[g];

	/* Names change only under cgpu_ctl_lock, which we hold; room is checked again below. */
	mutex_lock(&cgpu_lock);
	ret = cgpu_instance_find(name) ? -EEXIST : cgpu_room(gpu);
	mutex_unlock(&cgpu_lock);
	if (ret)
		return ret;
	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return -ENOMEM;
	inst->id = cgpu_id_take();
	if (inst->id < 0) {
		ret = inst->id;
		goto out_free;
	}
	cgpu_copy_name(inst->name, name, sizeof(inst->name));
	inst->gpu = gpu;
	inst->weight = 1;
	inst->mem_limit = READ_ONCE(cgpu_default_memsize);
	INIT_LIST_HEAD(&inst->node);
	INIT_LIST_HEAD(&inst->jobs);
	INIT_LIST_HEAD(&inst->busy_node);
	/*
	 * Without cgpu_lock: removing the files on failure waits for their readers and writers, and
	 * those take cgpu_lock. Until the instance is listed, weight writes are refused.
	 */
	ret = cgpu_procfs_add_instance(inst);
	if (ret)
		goto out_id;
	snprintf(node, sizeof(node), "%s!%u-%s", CGPU_INST_DIR, g, inst->name);
	mutex_lock(&cgpu_lock);
	ret = cgpu_room(gpu);
	if (!ret) {
		inst->dev = cgpu_os_device_add(cgpu_class, MKDEV(cgpu_major, inst->id), owner,
					       node);
		if (IS_ERR(inst->dev))
			ret = PTR_ERR(inst->dev);
	}
	if (!ret) {
		inst->serial = ++cgpu_next_serial;
		list_add_tail(&inst->node, &gpu->instances);
	}
	mutex_unlock(&cgpu_lock);
	if (!ret)
		return 0;
	cgpu_procfs_remove_instance(inst);
out_id:
	cgpu_id_free(inst->id);
out_free:
	kfree(inst);
	return ret;
}

/*
 * Freeing happens without cgpu_lock: removing the procfs files waits for their readers and writers,
 * and those take cgpu_lock. The instance is already unlinked, so nothing can find it any more.
 */
static void cgpu_instance_free(struct cgpu_instance *inst)
{
	struct cgpu_gpu *gpu = inst->gpu;

	device_unregister(inst->dev);
	cgpu_procfs_remove_instance(inst);
	/* A job orphaned by a closed file may still be in its last slice: let it end. */
	wait_event(gpu->idle, READ_ONCE(gpu->running_inst) != inst);
	cgpu_id_free(inst->id);
	kfree(inst);
}

/* Refused with -EBUSY while a file is attached to it. */
int cgpu_instance_destroy(const char *name)
{
	struct cgpu_instance *inst = NULL;
	int ret = 0;

	mutex_lock(&cgpu_ctl_lock);
	mutex_lock(&cgpu_lock);
	if (cgpu_ctl_live)
		inst = cgpu_instance_find(name);
	if (!cgpu_ctl_live)
		ret = -ENODEV;
	else if (!inst)
		ret = -ENOENT;
	else if (inst->attached)
		ret = -EBUSY;
	else
		list_del_init(&inst->node);
	mutex_unlock(&cgpu_lock);
	if (!ret)
		cgpu_instance_free(inst);
	mutex_unlock(&cgpu_ctl_lock);
	return ret;
}

int cgpu_set_weight(struct cgpu_instance *inst, unsigned int weight)
{
	int ret = 0;

	if (weight < 1 || weight > CGPU_MAX_WEIGHT)
		return -EINVAL;
	mutex_lock(&cgpu_lock);
	/* Not listed: being created or destroyed, and not counted in the GPU's weights. */
	if (list_empty(&inst->node))
		ret = -ENODEV;
	else if (cgpu_used_weight(inst->gpu) - inst->weight + weight > CGPU_MAX_WEIGHT)
		ret = -EINVAL;
	else
		WRITE_ONCE(inst->weight, weight);
	mutex_unlock(&cgpu_lock);
	return ret;
}

/* The quota cannot shrink below what is already charged. */
int cgpu_set_memsize(struct cgpu_instance *inst, u64 bytes)
{
	struct cgpu_gpu *gpu = inst->gpu;
	int ret = 0;

	spin_lock(&gpu->lock);
	if (bytes < inst->mem_used)
		ret = -EBUSY;
	else
		inst->mem_limit = bytes;
	spin_unlock(&gpu->lock);
	return ret;
}

static struct cgpu_instance *cgpu_instance_by_serial(u64 serial)
{
	struct cgpu_instance *inst;
	unsigned int g;

	lockdep_assert_held(&cgpu_lock);
	for (g = 0; g < cgpu_num_gpus; g++)
		list_for_each_entry(inst, &cgpu_gpus[g].instances, node)
			if (inst->serial == serial)
				return inst;
	return NULL;
}

/* Minor 0 is /dev/cgpu-km; any other is the node of the instance with that id. */
int cgpu_file_open(struct cgpu_file *cf, unsigned int minor)
{
	struct cgpu_instance *inst;
	unsigned int g;
	int ret = -ENODEV;

	if (minor == 0)
		return 0;
	mutex_lock(&cgpu_lock);
	for (g = 0; g < cgpu_num_gpus; g++)
		list_for_each_entry(inst, &cgpu_gpus[g].instances, node)
			if (inst->id == minor) {
				cf->node_serial = inst->serial;
				ret = 0;
			}
	mutex_unlock(&cgpu_lock);
	return ret;
}

/*
 * Through an instance's node a file binds to that instance only (by its name or ""); the node's
 * owner and mode, and the device cgroup, decided who could open it. Through /dev/cgpu-km, which
 * every user may open, binding needs CAP_SYS_ADMIN in the initial user namespace at open time.
 */
static struct cgpu_instance *cgpu_attach_target(struct cgpu_file *cf, const char *name, int *err)
{
	struct cgpu_instance *inst;

	lockdep_assert_held(&cgpu_lock);
	if (cf->node_serial) {
		inst = cgpu_instance_by_serial(cf->node_serial);
		if (!inst)
			*err = -ENODEV;
		else if (name[0] && strcmp(name, inst->name))
			*err = -EPERM;
		return *err ? NULL : inst;
	}
	if (!file_ns_capable(cf->file, &init_user_ns, CAP_SYS_ADMIN)) {
		*err = -EPERM;
		return NULL;
	}
	inst = cgpu_instance_find(name);
	if (!inst)
		*err = -ENOENT;
	return inst;
}

int cgpu_file_attach(struct cgpu_file *cf, const char *name, struct cgpu_attach *out)
{
	struct cgpu_instance *inst;
	int ret = 0;

	mutex_lock(&cgpu_lock);
	if (cf->inst) {
		ret = -EBUSY;
		goto out;
	}
	inst = cgpu_attach_target(cf, name, &ret);
	if (!inst)
		goto out;
	inst->attached++;
	cf->inst = inst;
	out->gpu = inst->gpu->index;
	out->id = inst->id;
out:
	mutex_unlock(&cgpu_lock);
	return ret;
}

/* Undo a successful attach whose reply could not be copied out; nothing else happened since. */
void cgpu_file_unattach(struct cgpu_file *cf)
{
	mutex_lock(&cgpu_lock);
	cf->inst->attached--;
	cf->inst = NULL;
	mutex_unlock(&cgpu_lock);
}

/* Called on release: cancels the file's jobs, returns its memory, unbinds it. */
void cgpu_file_detach(struct cgpu_file *cf)
{
	struct cgpu_alloc *a, *tmp;
	struct cgpu_instance *inst = cf->inst;

	if (!inst)
		return;
	cgpu_sched_cancel_file(cf);
	spin_lock(&inst->gpu->lock);
	list_for_each_entry_safe(a, tmp, &cf->allocs, node) {
		inst->mem_used -= a->bytes;
		list_del(&a->node);
		kfree(a);
	}
	spin_unlock(&inst->gpu->lock);
	cf->nr_allocs = 0;
	mutex_lock(&cgpu_lock);
	inst->attached--;
	cf->inst = NULL;
	mutex_unlock(&cgpu_lock);
}

int cgpu_file_mem_alloc(struct cgpu_file *cf, u64 bytes, u64 *handle)
{
	struct cgpu_instance *inst = cf->inst;
	struct cgpu_alloc *a;

	if (bytes == 0)
		return -EINVAL;
	if (cf->nr_allocs >= CGPU_MAX_ALLOCS)
		return -ENOSPC;
	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	spin_lock(&inst->gpu->lock);
	if (bytes > inst->mem_limit || inst->mem_used > inst->mem_limit - bytes) {
		spin_unlock(&inst->gpu->lock);
		kfree(a);
		return -ENOMEM;
	}
	inst->mem_used += bytes;
	a->bytes = bytes;
	a->handle = ++cf->next_handle;
	list_add_tail(&a->node, &cf->allocs);
	cf->nr_allocs++;
	cgpu_counters_update(cf, 0, 0, 0, bytes);
	spin_unlock(&inst->gpu->lock);
	*handle = a->handle;
	return 0;
}

int cgpu_file_mem_free(struct cgpu_file *cf, u64 handle)
{
	struct cgpu_instance *inst = cf->inst;
	struct cgpu_alloc *a;

	spin_lock(&inst->gpu->lock);
	list_for_each_entry(a, &cf->allocs, node) {
		if (a->handle != handle)
			continue;
		inst->mem_used -= a->bytes;
		cgpu_counters_update(cf, 0, 0, 0, -(s64)a->bytes);
		list_del(&a->node);
		spin_unlock(&inst->gpu->lock);
		cf->nr_allocs--;
		kfree(a);
		return 0;
	}
	spin_unlock(&inst->gpu->lock);
	return -EINVAL;
}

/* Update the mmap()ed counters; a reader retries while @seq is odd or changed. */
void cgpu_counters_update(struct cgpu_file *cf, u64 submitted, u64 done, u64 gpu_ns, s64 mem_delta)
{
	struct cgpu_counters *c = cf->counters;

	spin_lock(&cf->stat_lock);
	WRITE_ONCE(c->seq, c->seq + 1);
	smp_wmb();	/* seq odd before the counters change */
	c->jobs_submitted += submitted;
	c->jobs_done += done;
	c->gpu_time_ns += gpu_ns;
	c->mem_used += mem_delta;
	smp_wmb();	/* counters written before seq is even again */
	WRITE_ONCE(c->seq, c->seq + 1);
	spin_unlock(&cf->stat_lock);
}

/* GPUs and their scheduler threads; inst_ctl stays closed until cgpu_core_publish(). */
int cgpu_core_init(void)
{
	unsigned int g;
	int ret;

	for (g = 0; g < cgpu_num_gpus; g++) {
		struct cgpu_gpu *gpu = &cgpu_gpus[g];

		gpu->index = g;
		gpu->max_inst = CGPU_MAX_INST;
		INIT_LIST_HEAD(&gpu->instances);
		ret = cgpu_sched_start(gpu);
		if (ret)
			goto unwind;
	}
	return 0;

unwind:
	while (g--)
		cgpu_sched_stop(&cgpu_gpus[g]);
	return ret;
}

/* The last step of init: procfs and the device exist, instances may now come and go. */
void cgpu_core_publish(void)
{
	mutex_lock(&cgpu_ctl_lock);
	cgpu_ctl_live = true;
	mutex_unlock(&cgpu_ctl_lock);
}

/*
 * No device file is open (the module is unloading). inst_ctl is closed first, under the control
 * lock, so a create or destroy in flight finishes before the instances go and none starts after.
 */
void cgpu_core_exit(void)
{
	struct cgpu_instance *inst, *tmp;
	unsigned int g;
	LIST_HEAD(doomed);

	mutex_lock(&cgpu_ctl_lock);
	cgpu_ctl_live = false;
	mutex_unlock(&cgpu_ctl_lock);
	for (g = 0; g < cgpu_num_gpus; g++) {
		mutex_lock(&cgpu_lock);
		list_splice_init(&cgpu_gpus[g].instances, &doomed);
		mutex_unlock(&cgpu_lock);
		list_for_each_entry_safe(inst, tmp, &doomed, node) {
			list_del_init(&inst->node);
			cgpu_instance_free(inst);
		}
		cgpu_sched_stop(&cgpu_gpus[g]);
	}
}
