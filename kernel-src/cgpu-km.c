// SPDX-License-Identifier: GPL-2.0
/* cgpu module entry: parameters, init/exit and the char devices (ioctl, mmap, poll). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "cgpu-priv.h"

unsigned int cgpu_num_gpus = 1;
module_param_named(num_gpus, cgpu_num_gpus, uint, 0444);
MODULE_PARM_DESC(num_gpus, "GPUs to share, 1..8 (default 1)");

unsigned int cgpu_slice_us = 5000;
module_param_named(slice_us, cgpu_slice_us, uint, 0444);
MODULE_PARM_DESC(slice_us, "scheduler time slice in microseconds, 1000..100000 (default 5000)");

u64 cgpu_default_memsize = 256ULL << 20;
module_param_named(default_memsize, cgpu_default_memsize, ullong, 0444);
MODULE_PARM_DESC(default_memsize, "memory quota of a new instance in bytes (default 256 MiB)");

int cgpu_major;
static dev_t cgpu_devt;
static struct cdev cgpu_cdev;
struct class *cgpu_class;
static struct device *cgpu_device;

/* Everything a file holds is charged to its opener's memory cgroup (GFP_KERNEL_ACCOUNT). */
static int cgpu_open(struct inode *inode, struct file *file)
{
	struct cgpu_file *cf;
	int ret;

	cf = kzalloc(sizeof(*cf), GFP_KERNEL_ACCOUNT);
	if (!cf)
		return -ENOMEM;
	ret = cgpu_file_open(cf, iminor(inode));
	if (ret) {
		kfree(cf);
		return ret;
	}
	cf->counters = (struct cgpu_counters *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!cf->counters) {
		kfree(cf);
		return -ENOMEM;
	}
	cf->counters->abi = CGPU_ABI_VERSION;
	cf->file = file;
	mutex_init(&cf->lock);
	spin_lock_init(&cf->stat_lock);
	INIT_LIST_HEAD(&cf->allocs);
	init_waitqueue_head(&cf->done_wait);
	file->private_data = cf;
	return nonseekable_open(inode, file);
}

static int cgpu_release(struct inode *inode, struct file *file)
{
	struct cgpu_file *cf = file->private_data;

	cgpu_file_detach(cf);
	free_page((unsigned long)cf->counters);
	mutex_destroy(&cf->lock);
	kfree(cf);
	return 0;
}

/* Copy in an argument whose first field is its size and second its flags (which must be 0). */
static int cgpu_copy_arg(void *dst, const void __user *src, size_t size)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)src))
		return -EFAULT;
	if (usize != size)
		return -EINVAL;
	if (copy_from_user(dst, src, size))
		return -EFAULT;
	if (((u32 *)dst)[1] != 0)
		return -EINVAL;
	return 0;
}

static long cgpu_ioc_version(void __user *uarg)
{
	struct cgpu_version v;
	int ret = cgpu_copy_arg(&v, uarg, sizeof(v));

	if (ret)
		return ret;
	v.abi = CGPU_ABI_VERSION;
	v.major = CGPU_VERSION_MAJOR;
	v.minor = CGPU_VERSION_MINOR;
	v.patch = CGPU_VERSION_PATCH;
	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long cgpu_ioc_attach(struct cgpu_file *cf, void __user *uarg)
{
	struct cgpu_attach a;
	int ret = cgpu_copy_arg(&a, uarg, sizeof(a));

	if (ret)
		return ret;
	if (strnlen(a.name, CGPU_NAME_LEN) == CGPU_NAME_LEN)
		return -EINVAL;
	if (a.name[0] && cgpu_valid_name(a.name))
		return -EINVAL;
	ret = cgpu_file_attach(cf, a.name, &a);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &a, sizeof(a))) {
		cgpu_file_unattach(cf);
		return -EFAULT;
	}
	return 0;
}

static long cgpu_ioc_mem(struct cgpu_file *cf, unsigned int cmd, void __user *uarg)
{
	struct cgpu_mem m;
	int ret = cgpu_copy_arg(&m, uarg, sizeof(m));

	if (ret)
		return ret;
	if (!cf->inst)
		return -ENOTCONN;
	if (cmd == CGPU_IOC_MEM_FREE)
		return cgpu_file_mem_free(cf, m.handle);
	ret = cgpu_file_mem_alloc(cf, m.bytes, &m.handle);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &m, sizeof(m))) {
		cgpu_file_mem_free(cf, m.handle);
		return -EFAULT;
	}
	return 0;
}

static long cgpu_ioc_submit(struct cgpu_file *cf, void __user *uarg)
{
	struct cgpu_submit s;
	int ret = cgpu_copy_arg(&s, uarg, sizeof(s));

	if (ret)
		return ret;
	if (!cf->inst)
		return -ENOTCONN;
	if (s.duration_us == 0 || s.duration_us > CGPU_MAX_JOB_US)
		return -EINVAL;
	s.job_id = cgpu_sched_job_id(cf->inst->gpu);
	/*
	 * Reply first: once queued, a job may run and end at once, and a caller that cannot learn
	 * its id retries. So a reply that cannot be written queues nothing.
	 */
	if (copy_to_user(uarg, &s, sizeof(s)))
		return -EFAULT;
	return cgpu_sched_submit(cf, s.duration_us, s.job_id);
}

static long cgpu_ioc_stats(struct cgpu_file *cf, void __user *uarg)
{
	struct cgpu_instance *inst = cf->inst;
	struct cgpu_stats st;
	int ret = cgpu_copy_arg(&st, uarg, sizeof(st));

	if (ret)
		return ret;
	if (!inst)
		return -ENOTCONN;
	spin_lock(&inst->gpu->lock);
	spin_lock(&cf->stat_lock);
	st.jobs_submitted = cf->counters->jobs_submitted;
	st.jobs_done = cf->counters->jobs_done;
	st.gpu_time_ns = cf->counters->gpu_time_ns;
	st.mem_used = cf->counters->mem_used;
	spin_unlock(&cf->stat_lock);
	st.inst_gpu_time_ns = inst->gpu_time_ns;
	st.inst_mem_used = inst->mem_used;
	st.inst_mem_limit = inst->mem_limit;
	spin_unlock(&inst->gpu->lock);
	st.inst_weight = READ_ONCE(inst->weight);
	st.gpu = inst->gpu->index;
	/* Poll readiness is cleared only once the caller has the numbers. */
	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	WRITE_ONCE(cf->jobs_seen, st.jobs_done);
	return 0;
}

static long cgpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cgpu_file *cf = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	if (_IOC_TYPE(cmd) != CGPU_IOC_MAGIC)
		return -ENOTTY;
	/*
	 * What binds, spends or queues needs a file opened for writing: a node a runtime hands over
	 * read-only (device cgroup "r", mode 0644) lets its holder look, not use the instance.
	 */
	if ((cmd == CGPU_IOC_ATTACH || cmd == CGPU_IOC_MEM_ALLOC || cmd == CGPU_IOC_MEM_FREE ||
	     cmd == CGPU_IOC_SUBMIT) && !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	mutex_lock(&cf->lock);
	switch (cmd) {
	case CGPU_IOC_GET_VERSION:
		ret = cgpu_ioc_version(uarg);
		break;
	case CGPU_IOC_ATTACH:
		ret = cgpu_ioc_attach(cf, uarg);
		break;
	case CGPU_IOC_MEM_ALLOC:
	case CGPU_IOC_MEM_FREE:
		ret = cgpu_ioc_mem(cf, cmd, uarg);
		break;
	case CGPU_IOC_SUBMIT:
		ret = cgpu_ioc_submit(cf, uarg);
		break;
	case CGPU_IOC_GET_STATS:
		ret = cgpu_ioc_stats(cf, uarg);
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&cf->lock);
	return ret;
}

/* Readable when a job of this file finished since the last GET_STATS. */
static __poll_t cgpu_poll(struct file *file, poll_table *wait)
{
	struct cgpu_file *cf = file->private_data;
	u64 done;

	poll_wait(file, &cf->done_wait, wait);
	spin_lock(&cf->stat_lock);
	done = cf->counters->jobs_done;
	spin_unlock(&cf->stat_lock);
	return done > READ_ONCE(cf->jobs_seen) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* One read-only page of live counters; writable, executable or larger mappings are refused. */
static int cgpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct cgpu_file *cf = file->private_data;

	if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;
	cgpu_os_vma_readonly(vma);
	return vm_insert_page(vma, vma->vm_start, virt_to_page(cf->counters));
}

/* /dev/cgpu-km: every user may open it for GET_VERSION; ATTACH through it needs CAP_SYS_ADMIN. */
static const struct cgpu_owner cgpu_control_owner = {
	.uid = GLOBAL_ROOT_UID,
	.gid = GLOBAL_ROOT_GID,
	.mode = 0666,
};

static const struct file_operations cgpu_fops = {
	.owner		= THIS_MODULE,
	.open		= cgpu_open,
	.release	= cgpu_release,
	.unlocked_ioctl	= cgpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= cgpu_mmap,
	.poll		= cgpu_poll,
	.llseek		= no_llseek,
};

static int __init cgpu_init(void)
{
	int ret;

	if (cgpu_num_gpus < 1 || cgpu_num_gpus > CGPU_MAX_GPUS) {
		pr_err("num_gpus=%u is out of range 1..%d\n", cgpu_num_gpus, CGPU_MAX_GPUS);
		return -EINVAL;
	}
	if (cgpu_slice_us < 1000 || cgpu_slice_us > 100000) {
		pr_err("slice_us=%u is out of range 1000..100000\n", cgpu_slice_us);
		return -EINVAL;
	}
	if (cgpu_default_memsize == 0) {
		pr_err("default_memsize must not be 0\n");
		return -EINVAL;
	}

	/* Everything inst_ctl needs exists before cgpu_core_publish() lets it create instances. */
	ret = cgpu_core_init();
	if (ret)
		return ret;
	ret = cgpu_procfs_init();
	if (ret)
		goto err_core;
	ret = alloc_chrdev_region(&cgpu_devt, 0, CGPU_MINORS, CGPU_DEVICE_NAME);
	if (ret)
		goto err_procfs;
	cgpu_major = MAJOR(cgpu_devt);
	cdev_init(&cgpu_cdev, &cgpu_fops);
	cgpu_cdev.owner = THIS_MODULE;
	ret = cdev_add(&cgpu_cdev, cgpu_devt, CGPU_MINORS);
	if (ret)
		goto err_region;
	cgpu_class = cgpu_os_class_create(CGPU_DEVICE_NAME);
	if (IS_ERR(cgpu_class)) {
		ret = PTR_ERR(cgpu_class);
		goto err_cdev;
	}
	cgpu_device = cgpu_os_device_add(cgpu_class, cgpu_devt, &cgpu_control_owner,
					 CGPU_DEVICE_NAME);
	if (IS_ERR(cgpu_device)) {
		ret = PTR_ERR(cgpu_device);
		goto err_class;
	}
	cgpu_core_publish();
	pr_info("version %s, ABI %d, %u GPU(s), major %d\n", CGPU_VERSION_STR, CGPU_ABI_VERSION,
		cgpu_num_gpus, cgpu_major);
	return 0;

err_class:
	class_destroy(cgpu_class);
err_cdev:
	cdev_del(&cgpu_cdev);
err_region:
	unregister_chrdev_region(cgpu_devt, CGPU_MINORS);
err_procfs:
	cgpu_procfs_exit();
err_core:
	cgpu_core_exit();
	return ret;
}

/* The reverse of init: inst_ctl closes first, then the instances, devices, procfs go. */
static void __exit cgpu_exit(void)
{
	cgpu_core_exit();
	device_unregister(cgpu_device);
	class_destroy(cgpu_class);
	cdev_del(&cgpu_cdev);
	unregister_chrdev_region(cgpu_devt, CGPU_MINORS);
	cgpu_procfs_exit();
	pr_info("unloaded\n");
}

module_init(cgpu_init);
module_exit(cgpu_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("cgpu toolchain");
MODULE_DESCRIPTION("cgpu: share one GPU between containers by weighted time slices");
MODULE_VERSION(CGPU_VERSION_STR);
