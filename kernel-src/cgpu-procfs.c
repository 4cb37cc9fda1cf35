// SPDX-License-Identifier: GPL-2.0
/* cgpu parameters under /proc/cgpu_km/: global, per GPU and per instance. */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "cgpu-priv.h"

#define CGPU_PROC_ROOT	"cgpu_km"
#define CGPU_WRITE_MAX	64

/* What one procfs file shows and accepts; @obj is NULL, a GPU or an instance. */
struct cgpu_attr {
	const char *name;
	umode_t mode;
	int (*show)(struct seq_file *m, void *obj);
	int (*store)(void *obj, char *buf);
};

/* The data pointer of each procfs file. */
struct cgpu_pentry {
	const struct cgpu_attr *attr;
	void *obj;
};

static struct proc_dir_entry *cgpu_proc_root;

static int cgpu_parse_u64(const char *buf, u64 *out)
{
	return kstrtoull(buf, 10, out) ? -EINVAL : 0;
}

static int cgpu_parse_uint(const char *buf, unsigned int *out)
{
	return kstrtouint(buf, 10, out) ? -EINVAL : 0;
}

/* /proc/cgpu_km/ */

static int version_show(struct seq_file *m, void *obj)
{
	seq_printf(m, "%s\n", CGPU_VERSION_STR);
	return 0;
}

static int major_show(struct seq_file *m, void *obj)
{
	seq_printf(m, "%d\n", cgpu_major);
	return 0;
}

static int default_memsize_show(struct seq_file *m, void *obj)
{
	seq_printf(m, "%llu\n", READ_ONCE(cgpu_default_memsize));
	return 0;
}

static int default_memsize_store(void *obj, char *buf)
{
	u64 v;

	if (cgpu_parse_u64(buf, &v) || v == 0)
		return -EINVAL;
	WRITE_ONCE(cgpu_default_memsize, v);
	return 0;
}

/*
 * "<uid> <gid> <mode>": the owner of a new instance's device node, mode octal, 1..0777. Each field
 * through kstrtouint, which refuses a number that does not fit (sscanf's %u wraps 4294967296 to 0).
 */
static int cgpu_parse_owner(char *buf, struct cgpu_owner *owner)
{
	char *uid_s, *gid_s;
	unsigned int uid, gid, mode;

	uid_s = strsep(&buf, " ");
	gid_s = strsep(&buf, " ");
	if (!gid_s || !buf || kstrtouint(uid_s, 10, &uid) || kstrtouint(gid_s, 10, &gid) ||
	    kstrtouint(buf, 8, &mode) || !mode || mode > 0777)
		return -EINVAL;
	owner->uid = make_kuid(&init_user_ns, uid);
	owner->gid = make_kgid(&init_user_ns, gid);
	owner->mode = mode;
	return uid_valid(owner->uid) && gid_valid(owner->gid) ? 0 : -EINVAL;
}

/*
 * "<n><name>" creates instance <name> on GPU n with a device node /dev/cgpu/<n>-<name> of root,
 * mode 0600; "<n><name> <uid> <gid> <mode>" gives the node that owner and mode. "-<name>"
 * destroys it.
 */
static int inst_ctl_store(void *obj, char *buf)
{
	struct cgpu_owner owner = {
		.uid = GLOBAL_ROOT_UID,
		.gid = GLOBAL_ROOT_GID,
		.mode = 0600,
	};
	char *args = strchr(buf, ' ');

	if (args) {
		*args++ = '\0';
		if (buf[0] == '-' || cgpu_parse_owner(args, &owner))
			return -EINVAL;
	}
	if (cgpu_valid_name(buf + 1))
		return -EINVAL;
	if (buf[0] == '-')
		return cgpu_instance_destroy(buf + 1);
	if (!isdigit(buf[0]))
		return -EINVAL;
	return cgpu_instance_create(buf[0] - '0', buf + 1, &owner);
}

static const struct cgpu_attr cgpu_root_attrs[] = {
	{ "version", 0444, version_show, NULL },
	{ "major", 0444, major_show, NULL },
	{ "default_memsize", 0644, default_memsize_show, default_memsize_store },
	{ "inst_ctl", 0200, NULL, inst_ctl_store },
};

static struct cgpu_pentry cgpu_root_entries[ARRAY_SIZE(cgpu_root_attrs)];

/* /proc/cgpu_km/<n>/ */

static int policy_show(struct seq_file *m, void *obj)
{
	seq_printf(m, "weighted %uus\n", READ_ONCE(cgpu_slice_us));
	return 0;
}

static int max_inst_show(struct seq_file *m, void *obj)
{
	struct cgpu_gpu *gpu = obj;

	seq_printf(m, "%u\n", READ_ONCE(gpu->max_inst));
	return 0;
}

static int max_inst_store(void *obj, char *buf)
{
	struct cgpu_gpu *gpu = obj;
	unsigned int v, n;

	if (cgpu_parse_uint(buf, &v) || v < 1 || v > CGPU_MAX_INST)
		return -EINVAL;
	mutex_lock(&cgpu_lock);
	n = cgpu_count_instances(gpu);
	if (v >= n)
		WRITE_ONCE(gpu->max_inst, v);
	mutex_unlock(&cgpu_lock);
	return v >= n ? 0 : -EINVAL;
}

static int free_weight_show(struct seq_file *m, void *obj)
{
	unsigned int free;

	mutex_lock(&cgpu_lock);
	free = cgpu_free_weight(obj);
	mutex_unlock(&cgpu_lock);
	seq_printf(m, "%u\n", free);
	return 0;
}

static const struct cgpu_attr cgpu_gpu_attrs[] = {
	{ "policy", 0444, policy_show, NULL },
	{ "max_inst", 0644, max_inst_show, max_inst_store },
	{ "free_weight", 0444, free_weight_show, NULL },
};

static struct cgpu_pentry cgpu_gpu_entries[CGPU_MAX_GPUS][ARRAY_SIZE(cgpu_gpu_attrs)];

/* /proc/cgpu_km/<n>/<name>/ */

static int id_show(struct seq_file *m, void *obj)
{
	struct cgpu_instance *inst = obj;

	seq_printf(m, "%d\n", inst->id);
	return 0;
}

static int weight_show(struct seq_file *m, void *obj)
{
	struct cgpu_instance *inst = obj;

	seq_printf(m, "%u\n", READ_ONCE(inst->weight));
	return 0;
}

static int weight_store(void *obj, char *buf)
{
	unsigned int v;

	if (cgpu_parse_uint(buf, &v))
		return -EINVAL;
	return cgpu_set_weight(obj, v);
}

static int memsize_show(struct seq_file *m, void *obj)
{
	struct cgpu_instance *inst = obj;
	u64 limit;

	spin_lock(&inst->gpu->lock);
	limit = inst->mem_limit;
	spin_unlock(&inst->gpu->lock);
	seq_printf(m, "%llu\n", limit);
	return 0;
}

static int memsize_store(void *obj, char *buf)
{
	u64 v;

	if (cgpu_parse_u64(buf, &v) || v == 0)
		return -EINVAL;
	return cgpu_set_memsize(obj, v);
}

static int meminfo_show(struct seq_file *m, void *obj)
{
	struct cgpu_instance *inst = obj;
	u64 used, limit;

	spin_lock(&inst->gpu->lock);
	used = inst->mem_used;
	limit = inst->mem_limit;
	spin_unlock(&inst->gpu->lock);
	seq_printf(m, "used %llu\nlimit %llu\nfree %llu\n", used, limit, limit - used);
	return 0;
}

static const struct cgpu_attr cgpu_inst_attrs[] = {
	{ "id", 0444, id_show, NULL },
	{ "weight", 0644, weight_show, weight_store },
	{ "memsize", 0644, memsize_show, memsize_store },
	{ "meminfo", 0444, meminfo_show, NULL },
};

/* The operations os-interface.c gives every file. */

static int cgpu_proc_show(struct seq_file *m, void *v)
{
	struct cgpu_pentry *pe = m->private;

	return pe->attr->show ? pe->attr->show(m, pe->obj) : 0;
}

int cgpu_proc_open(struct inode *inode, struct file *file)
{
	return single_open(file, cgpu_proc_show, cgpu_os_pde_data(inode));
}

/*
 * One write is one whole value; a trailing newline is allowed. Anything malformed: -EINVAL.
 * Writing needs CAP_SYS_ADMIN in the initial user namespace, checked against the credentials of
 * whoever opened the file (so a descriptor opened by an administrator may be handed on).
 */
ssize_t cgpu_proc_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct cgpu_pentry *pe = m->private;
	char buf[CGPU_WRITE_MAX];
	size_t n = len;
	int ret;

	if (!pe->attr->store)
		return -EINVAL;
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n == 0 || strlen(buf) != n)
		return -EINVAL;
	ret = pe->attr->store(pe->obj, buf);
	return ret ? ret : (ssize_t)len;
}

static int cgpu_add_files(struct proc_dir_entry *dir, const struct cgpu_attr *attrs,
			  struct cgpu_pentry *entries, size_t n, void *obj)
{
	size_t i;

	for (i = 0; i < n; i++) {
		entries[i].attr = &attrs[i];
		entries[i].obj = obj;
		if (!cgpu_os_proc_create(attrs[i].name, attrs[i].mode, dir, &entries[i]))
			return -ENOMEM;
	}
	return 0;
}

static int cgpu_procfs_add_gpu(struct cgpu_gpu *gpu)
{
	char name[4];
	int ret;

	snprintf(name, sizeof(name), "%u", gpu->index);
	/* Searchable, not listable: a tenant need not learn the other instances' names. */
	gpu->proc = proc_mkdir_mode(name, 0711, cgpu_proc_root);
	if (!gpu->proc)
		return -ENOMEM;
	ret = cgpu_add_files(gpu->proc, cgpu_gpu_attrs, cgpu_gpu_entries[gpu->index],
			     ARRAY_SIZE(cgpu_gpu_attrs), gpu);
	if (ret) {
		proc_remove(gpu->proc);
		gpu->proc = NULL;
	}
	return ret;
}

/* The whole tree, GPU directories included; inst_ctl is refused until the core is published. */
int cgpu_procfs_init(void)
{
	unsigned int g;
	int ret;

	cgpu_proc_root = proc_mkdir(CGPU_PROC_ROOT, NULL);
	if (!cgpu_proc_root)
		return -ENOMEM;
	ret = cgpu_add_files(cgpu_proc_root, cgpu_root_attrs, cgpu_root_entries,
			     ARRAY_SIZE(cgpu_root_attrs), NULL);
	for (g = 0; !ret && g < cgpu_num_gpus; g++)
		ret = cgpu_procfs_add_gpu(&cgpu_gpus[g]);
	if (ret)
		cgpu_procfs_exit();
	return ret;
}

/* Waits for every reader and writer to leave; held-open files then read as errors. */
void cgpu_procfs_exit(void)
{
	unsigned int g;

	remove_proc_subtree(CGPU_PROC_ROOT, NULL);
	cgpu_proc_root = NULL;
	for (g = 0; g < cgpu_num_gpus; g++)
		cgpu_gpus[g].proc = NULL;
}

int cgpu_procfs_add_instance(struct cgpu_instance *inst)
{
	struct cgpu_pentry *entries;
	int ret;

	entries = kcalloc(ARRAY_SIZE(cgpu_inst_attrs), sizeof(*entries), GFP_KERNEL_ACCOUNT);
	if (!entries)
		return -ENOMEM;
	/* procfs is not namespaced: one tenant's weight and memory use are for root only. */
	inst->proc = proc_mkdir_mode(inst->name, 0500, inst->gpu->proc);
	if (!inst->proc) {
		kfree(entries);
		return -ENOMEM;
	}
	ret = cgpu_add_files(inst->proc, cgpu_inst_attrs, entries, ARRAY_SIZE(cgpu_inst_attrs),
			     inst);
	if (ret) {
		proc_remove(inst->proc);
		kfree(entries);
		return ret;
	}
	inst->proc_data = entries;
	return 0;
}

/* Waits for every reader and writer of the instance's files to leave before it returns. */
void cgpu_procfs_remove_instance(struct cgpu_instance *inst)
{
	proc_remove(inst->proc);
	inst->proc = NULL;
	kfree(inst->proc_data);
	inst->proc_data = NULL;
}
