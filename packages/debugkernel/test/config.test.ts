// The config fragment and the in-container scripts: pure logic, no build.
import { describe, expect, it } from 'vitest';
import { buildScript, configureScript, debugSeries, isDebugSpec, parseFragment, readFragment, unmetOptions } from '../src/index.js';

describe('config fragment', () => {
  it('asks for every debug option of issue 14', async () => {
    const f = parseFragment(await readFragment());
    for (const o of ['KASAN', 'KASAN_GENERIC', 'KASAN_INLINE', 'UBSAN', 'DEBUG_KMEMLEAK', 'PROVE_LOCKING', 'DEBUG_ATOMIC_SLEEP', 'DEBUG_OBJECTS', 'MODULES', 'DEVTMPFS', 'BLK_DEV_INITRD', 'IA32_EMULATION']) {
      expect(f.get(`CONFIG_${o}`), o).toBe('y');
    }
    expect(f.get('CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF')).toBe('n');
    expect(f.get('CONFIG_LOCALVERSION')).toBe('"-cgpu-debug"');
  });

  it('names what Kconfig dropped, and accepts a config that holds everything', async () => {
    const frag = await readFragment();
    const full = [...parseFragment(frag)].map(([k, v]) => (v === 'n' ? `# ${k} is not set` : `${k}=${v}`)).join('\n');
    expect(unmetOptions(frag, full)).toEqual([]);
    const dropped = full.replace('CONFIG_KASAN=y\n', '').replace('# CONFIG_NET is not set', 'CONFIG_NET=y');
    expect(unmetOptions(frag, dropped)).toEqual(['CONFIG_KASAN: wanted y, got n', 'CONFIG_NET: wanted n, got y']);
  });
});

describe('build scripts', () => {
  const input = { series: '6.12', gccMajor: 14, jobs: 2 };
  it('configure: defconfig, then kvm_guest, then ours, niced, with the kernel\'s compiler', () => {
    expect(configureScript(input)).toContain('nice -n 10 make -j2 CC=gcc-14 HOSTCC=gcc-14 x86_64_defconfig kvm_guest.config cgpu_debug.config');
    expect(configureScript(input)).toContain('tar -xO ./usr/src/linux-source-6.12.tar.xz');
  });
  it('build: the full modules step, strict modpost, the kernel\'s own extmod tree, our compiler for it', () => {
    const s = buildScript(input, '0:0');
    expect(s).toMatch(/make -j2 CC=gcc-14 HOSTCC=gcc-14 modules\n/);
    expect(s).not.toContain('KBUILD_MODPOST_WARN');
    expect(s).toContain('scripts/package/install-extmod-build /work/out/build');
    expect(s).toContain("printf 'CC = gcc-14\\nHOSTCC = gcc-14\\n' > /work/out/build/.kernelvariables");
  });
});

describe('debug kernel specs', () => {
  it('debug-6.12 is the 6.12 series; anything else after debug- is a usage error', () => {
    expect(isDebugSpec('debug-6.12')).toBe(true);
    expect(isDebugSpec('6.12')).toBe(false);
    expect(debugSeries('debug-6.12')).toBe('6.12');
    expect(() => debugSeries('debug-latest')).toThrow(/not a debug kernel spec/);
  });
});
