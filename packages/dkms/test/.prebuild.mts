import { loadCatalogue, resolveSpec } from '@cgpu/kernels';
import { dkmsImage, headersImage } from '/work/wt-11/packages/dkms/test/containers.ts';
const all = await loadCatalogue();
const k = (s: string) => resolveSpec(s, all, { arch: 'amd64' });
const t0 = Date.now();
await Promise.all([
  dkmsImage('bookworm').then(() => headersImage(k('6.1.0-47-amd64'))).then(() => headersImage(k('6.1.0-50-amd64'))),
  dkmsImage('trixie').then(() => Promise.all([headersImage(k('6.12.117')), headersImage(k('7.3'))])),
].map((p) => p.then((x) => console.log('done', x, (Date.now() - t0) / 1000))));
