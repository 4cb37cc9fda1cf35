import { resolveKernel, runSmoke } from '@cgpu/pipeline';
import { copyFile } from 'node:fs/promises';
const [spec = '6.1', runsArg = '60'] = process.argv.slice(2);
const kernel = await resolveKernel(spec, { arch: 'amd64' });
for (let i = 1; i <= Number(runsArg); i++) {
  const { smoke } = await runSmoke(kernel, { accel: 'tcg' });
  process.stdout.write(`run ${i}: ${smoke.ok ? 'PASS' : 'FAIL ' + smoke.reasons.join(' | ')} ${smoke.timings.wallMs} ms\n`);
  if (!smoke.ok) await copyFile(`dist/${kernel.release}/console.log`, `/tmp/ff/console-${i}.log`);
}
