/**
 * The bash script that evaluates a dkms.conf the way dkms's `read_conf`/`safe_source` do, and prints what
 * it found as NUL-separated records for `parseEvalOutput`. Facts it mirrors (dkms.in, dkms-project/dkms):
 * the file is sourced in a subshell with stdout discarded; each element of each known array is written out
 * as `NAME[i]="value"` (a trailing CR removed) and that text is sourced again, so a `$var` kept literal by
 * single quotes is expanded in the second pass; `kernelver`, `arch`, `kernel_source_dir`, `kernel_config`,
 * `dkms_tree`, `source_tree`, `install_tree`, `module`, `module_version` are set (`targetEnv`).
 * It also reports the kernel-config facts dkms looks up (BUILD_EXCLUSIVE_CONFIG symbols, the compiler in
 * CONFIG_CC_VERSION_TEXT, CONFIG_CC_IS_CLANG), so that all decisions are made by the pure code in interpret.ts.
 */
import { CONF_VARIABLES } from './variables.js';

/** Record kinds: V name index value | F fact value | K symbol y/n. */
export const REC_VAR = 'V';
export const REC_FACT = 'F';
export const REC_KCONFIG = 'K';

/** Expects the `targetEnv` variables in its environment and the dkms.conf path as $1. */
export function evalScript(): string {
  return `#!/bin/bash
conf=$1
# dkms has these as shell variables, not in the environment of what dkms.conf runs.
export -n kernelver arch kernel_source_dir dkms_tree source_tree install_tree module module_version current_kernel current_os 2>/dev/null
[ -r "$conf" ] || { echo "cannot read $conf" >&2; exit 4; }
vars="${CONF_VARIABLES.join(' ')}"
for v in $vars; do unset "$v"; done
# The target's uname -r, for a dkms.conf that asks (the builder container also has a PATH shim).
uname() { if [ "$1" = -r ]; then echo "$kernelver"; else command uname "$@"; fi; }
if [ -e "$kernel_source_dir/include/config/auto.conf" ]; then kernel_config=$kernel_source_dir/include/config/auto.conf
else kernel_config=$kernel_source_dir/.config; fi
cr=$(printf '\\r')
first=$(
  . "$conf" >/dev/null
  for v in $vars; do
    eval "idx=(\\"\\\${!$v[@]}\\")"
    for i in "\${idx[@]}"; do
      eval "val=\\\${$v[$i]}"
      printf '%s[%s]="%s"\\n' "$v" "$i" "\${val%"$cr"}"
    done
  done
)
eval "$first"
for v in $vars; do
  eval "idx=(\\"\\\${!$v[@]}\\")"
  for i in "\${idx[@]}"; do
    eval "val=\\\${$v[$i]}"
    printf '${REC_VAR}\\0%s\\0%s\\0%s\\0' "$v" "$i" "$val"
  done
done
printf '${REC_FACT}\\0kernel_config\\0%s\\0' "$kernel_config"
if [ -e "$kernel_config" ]; then
  printf '${REC_FACT}\\0config_present\\0yes\\0'
  for w in "\${BUILD_EXCLUSIVE_CONFIG[@]}"; do
    for s in $w; do
      s=\${s#!}
      if grep -q "^$s=[ym]" "$kernel_config"; then printf '${REC_KCONFIG}\\0%s\\0y\\0' "$s"; else printf '${REC_KCONFIG}\\0%s\\0n\\0' "$s"; fi
    done
  done
  cc=$(sed -n 's|^CONFIG_CC_VERSION_TEXT="*\\([^" ]*\\) .*|\\1|p' "$kernel_config")
  [ -n "$cc" ] && command -v "$cc" >/dev/null && printf '${REC_FACT}\\0cc\\0%s\\0' "$cc"
  grep -q '^CONFIG_CC_IS_CLANG=y' "$kernel_config" && printf '${REC_FACT}\\0clang\\0yes\\0'
fi
exit 0
`;
}
