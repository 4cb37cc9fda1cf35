/**
 * The initramfs /init. Every line it prints that the verdict reads starts with `@@cgpu `; the smoke tool's
 * own lines are `PASS ..`/`FAIL ..` and `smokeNN: N passed, N failed`.
 */
export const MARK = '@@cgpu';

/** The last line of every smoke run; the host stops the VM when it arrives. */
export const END_MARK = `${MARK} done`;

/**
 * trinity's bounds: system calls in all, a wall-clock limit per victim path (arm64 under TCG does not always
 * make 500 calls in it), and the grace after which a trinity that ignored SIGINT is killed.
 */
const TRINITY_OPS = 1000;
const TRINITY_SECONDS = 5;
const TRINITY_GRACE = 5;

/**
 * What every smoke /init starts with: busybox applets, proc/sys/dev, the `mark` and `up` helpers, the boot
 * stage mark, and hung tasks reported after 5 s (a release that never returns) instead of 120 s.
 */
export const INIT_PREAMBLE = `/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mark() { echo "${MARK} $*"; }
# A stage mark reads /proc/uptime with the shell's own read: no $(...), whose fork (and the exec of an applet)
# costs ~20-30 ms under TCG, and a smoke run passes 8 marks outside its scenario. Not for taint: the shell reads
# a byte at a time, and a sysctl file read at an offset past 0 is at its end, so 12288 would read as 1.
stage() { read -r up_s _ < /proc/uptime; mark stage $1 $up_s; }
taint() { mark taint-$1 $(cat /proc/sys/kernel/tainted); }
stage boot
[ -w /proc/sys/kernel/hung_task_timeout_secs ] && echo 5 > /proc/sys/kernel/hung_task_timeout_secs
`;

/**
 * The line /init writes into the kernel's log (/dev/kmsg, level info) just before it loads the module. Plain
 * text: it is used as a sed address, so no regex metacharacters, '/' or quotes.
 */
export const KMSG_LOAD = 'smoke init: loading modules';

/** Lines of the kernel's log since the load that are printed in full; past this, the first and last ones. */
export const DMESG_HEAD = 400;
export const DMESG_TAIL = 100;

/** Marks the load in the kernel's log and the stage marks; the insmod lines follow it. */
export const INIT_LOAD_MARK = `echo "<6>${KMSG_LOAD}" 2>/dev/null > /dev/kmsg
stage load
`;

/**
 * The end of every smoke /init: the kernel's log since the load, END_MARK, and a reset as the fallback end.
 *
 * The log is printed whole from the load on, not a tail of fixed length: a tail cut a WARN_ON report in two
 * and kept only its Call Trace (CI, 2026-11-29). If the load line is not there (the ring buffer wrapped past
 * it, or /dev/kmsg refused the write), all of the buffer is printed. A module that floods the log is
 * bounded: the first DMESG_HEAD lines (the first report is the one that counts) and the last DMESG_TAIL,
 * with the count left out between them.
 */
export const INIT_EPILOGUE = `# From here on the kernel prints nothing on the console by itself, so no message lands inside the lines
# below; what it logged is read from its buffer instead.
dmesg -n 1
# One awk from the load line on (all of the buffer if it is gone), bounded to its first and last lines:
# one process instead of grep, sed, wc, head and tail, ~25 ms each under TCG.
dmesg | awk -v load='${KMSG_LOAD}' -v head=${DMESG_HEAD} -v tail=${DMESG_TAIL} -v pre='${MARK} dmesg ' '
  { line[NR] = $0 }
  !from && index($0, load) { from = NR }
  END {
    if (!from) from = 1
    n = NR - from + 1
    for (i = from; i <= NR; i++) {
      if (n <= head + tail || i < from + head || i > NR - tail) print pre line[i]
      else if (i == from + head) print pre "... " (n - head - tail) " of " n " lines left out ..."
    }
  }'
stage end
# The host stops QEMU once this line (END_MARK) has arrived: everything above came before it.
# The reset is only a fallback, late enough for the console to drain. A reset, not a power-off: QEMU runs with
# -no-reboot, so a reset ends it on every machine, also a debug kernel booted with acpi=off (no power-off there).
echo "${END_MARK}"
sleep 2
reboot -f
`;

export function initScript(): string {
  return `#!/bin/busybox sh
${INIT_PREAMBLE}taint before
${INIT_LOAD_MARK}if insmod /cgpu.ko $(cat /cgpu.params); then mark insmod ok; else mark insmod failed $?; fi
stage loaded
if [ -c /dev/cgpu-km ]; then mark devnode ok; else mark devnode missing; fi
stage scenario
/cgpu-smoke; mark smoke64 exit $?
if [ -x /cgpu-smoke32 ]; then /cgpu-smoke32; mark smoke32 exit $?; fi
stage fuzz
# trinity as uid 65534 against the devices and procfs, bounded by count and by time, its seed printed.
# Two victim paths, one trinity each: a directory with the control node and the node of an instance it
# owns, then /proc/cgpu_km. Its only descriptors are the files it opened under the victim path (the fd
# provider trinity calls "pseudo"): with its other providers (bpf, inotify, userfaultfd, ...) nearly every
# call went to those, and none reached the module (ftrace, 2026-11-29: 0 calls into cgpu.ko in 2 x 500).
# Nothing it can read blocks then, so read(2) is in the list again. Not ppoll (arm64 has no poll(2)): its
# random timeouts on descriptors that never become ready used up the 5 s limit with ~110 calls.
# One child (-C 1): bookworm's trinity (1.9+git20230109) has each child do a plain shm->stats.op_count++,
# which arm64 compiles to load, add, store; with two children on one vCPU a preempted one writes back a
# stale count and the parent bails out with "Execcount went backwards! ... SHM was corrupted" (CI,
# 2026-11-30, debian12-arm64). Upstream made the counters atomic in trinity 1970c285f (2026-03-21).
if [ -x /bin/trinity ]; then
  seed=$(( $(date +%s) % 1000000 + $$ ))
  echo "0trinity 65534 65534 0600" > /proc/cgpu_km/inst_ctl
  mkdir -p /tmp/victims && mknod -m 666 /tmp/victims/cgpu-km c $(cat /proc/cgpu_km/major) 0
  mknod -m 600 /tmp/victims/trinity c $(cat /proc/cgpu_km/major) $(cat /proc/cgpu_km/0/trinity/id)
  chown 65534:65534 /tmp/victims/trinity
  mark trinity seed $seed ops ${TRINITY_OPS} victims 2
  cd /tmp
  # One victim after the other. Side by side was tried (2026-11-29): on the debug kernel two trinity start-ups
  # at once outlasted the 5 s limit and the 5 s grace after it in 1 of ~9 runs (both killed: a false failure).
  for v in /tmp/victims /proc/cgpu_km; do
    log=/tmp/trinity-$(echo $v | tr / _).log
    # SIGINT at the time limit: trinity stops its children and still prints how many calls it made;
    # SIGKILL only if it has not ended ${TRINITY_GRACE} s later.
    timeout -s KILL ${TRINITY_SECONDS + TRINITY_GRACE} timeout -s INT ${TRINITY_SECONDS} \\
      /cgpu-smoke nobody /bin/trinity -q -l off -N ${TRINITY_OPS / 2} -s $seed -C 1 -V $v \\
      --enable-fds=pseudo -c ioctl -c mmap -c read -c write -c poll -c close < /dev/null > $log 2>&1
    rc=$?
    ran=$(sed -n 's/.*Ran \\([0-9]*\\) syscalls.*/\\1/p' $log | tail -n 1)
    files=$(sed -n 's/.*Added \\([0-9]*\\) filenames from.*/\\1/p' $log | tail -n 1)
    by=other
    grep -q 'Completed maximum number of operations' $log && by=count
    grep -q 'because ctrl-c' $log && by=time
    mark trinity $v exit $rc ran \${ran:-unknown} by $by files \${files:-0}
    # trinity's own account of an unexpected end ("Bailing main loop because ...") is in its last lines.
    [ $by = other ] && tail -n 8 $log | sed 's/^/${MARK} trinity-log /'
    killall -9 trinity 2>/dev/null; sleep 0.2
  done
  rm -rf /tmp/victims
  cd /
  echo "-trinity" > /proc/cgpu_km/inst_ctl || mark trinity-instance-busy
fi
stage scenario-done
find /proc/cgpu_km 2>/dev/null | sort | sed 's/^/${MARK} proc /'
exec 3</dev/cgpu-km
if rmmod cgpu 2>/dev/null; then mark rmmod-while-open succeeded; else mark rmmod-while-open refused; fi
exec 3<&-
stage unload
if rmmod cgpu; then mark rmmod ok; else mark rmmod failed $?; fi
stage unloaded
for p in /proc/cgpu_km /sys/class/cgpu-km /sys/module/cgpu /dev/cgpu-km; do [ -e $p ] && mark leftover $p; done
# Debug kernels only (kmemleak in debugfs): scan twice after unload and print what it found. A leaked object's
# first scan only records its checksum (mm/kmemleak.c reports an object whose checksum did not change since the
# last scan); a write of "scan" returns when the scan is done, so the second needs no pause before it.
# kmemleak also skips objects younger than 5 s (MSECS_MIN_AGE): a leak from the last seconds before unload
# (unload's own path, the final opens) is not seen here; the scenario's instances are older than that.
if mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null && [ -w /sys/kernel/debug/kmemleak ]; then
  stage kmemleak
  echo scan > /sys/kernel/debug/kmemleak; echo scan > /sys/kernel/debug/kmemleak
  sed 's/^/${MARK} kmemleak /' /sys/kernel/debug/kmemleak
  stage kmemleak-done
fi
taint after
${INIT_EPILOGUE}`;
}
