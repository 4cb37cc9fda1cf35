/** The evaluation script's NUL-separated records -> the arrays and facts of one dkms.conf. */
import { CgpuError } from '@cgpu/common';
import { REC_FACT, REC_KCONFIG, REC_VAR } from './eval-script.js';

/** What sourcing dkms.conf left: each array by index (bash arrays may be sparse), plus config facts. */
export interface EvaluatedConf {
  vars: Record<string, Record<number, string>>;
  /** kernel_config, config_present, cc, clang. */
  facts: Record<string, string>;
  /** BUILD_EXCLUSIVE_CONFIG symbols and whether the kernel config has them `=y`/`=m`. */
  kconfig: Record<string, boolean>;
}

export function parseEvalOutput(out: string): EvaluatedConf {
  const f = out.split('\0');
  if (f.at(-1) === '') f.pop();
  const res: EvaluatedConf = { vars: {}, facts: {}, kconfig: {} };
  let i = 0;
  const bad = (why: string): CgpuError =>
    new CgpuError({ code: 'DKMSCONF_OUTPUT', message: `the dkms.conf evaluation printed something unexpected: ${why}`, hint: 'a dkms.conf that writes to stdout outside its own sourcing? report it with the file' });
  while (i < f.length) {
    const kind = f[i];
    if (kind === REC_VAR) {
      const [name, idx, val] = [f[i + 1], f[i + 2], f[i + 3]];
      if (name === undefined || idx === undefined || val === undefined || !/^\d+$/.test(idx)) throw bad(`a truncated variable record at field ${i}`);
      (res.vars[name] ??= {})[Number(idx)] = val;
      i += 4;
    } else if (kind === REC_FACT || kind === REC_KCONFIG) {
      const [name, val] = [f[i + 1], f[i + 2]];
      if (name === undefined || val === undefined) throw bad(`a truncated record at field ${i}`);
      if (kind === REC_FACT) res.facts[name] = val;
      else res.kconfig[name] = val === 'y';
      i += 3;
    } else {
      throw bad(`record kind ${JSON.stringify(kind?.slice(0, 40))}`);
    }
  }
  return res;
}
