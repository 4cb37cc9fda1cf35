import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '@cgpu/common';
import { chooseFirmware, qemuArgs } from '../src/qemu.js';

describe('chooseFirmware', () => {
  let withQboot = '';
  let alsoQboot = '';
  let without = '';
  beforeAll(async () => {
    withQboot = await mkdtemp(join(tmpdir(), 'cgpu-fw-'));
    alsoQboot = await mkdtemp(join(tmpdir(), 'cgpu-fw-also-'));
    without = await mkdtemp(join(tmpdir(), 'cgpu-fw-none-'));
    await writeFile(join(withQboot, 'qboot.rom'), Buffer.alloc(64 * 1024));
    await writeFile(join(alsoQboot, 'qboot.rom'), Buffer.alloc(64 * 1024));
  });
  afterAll(async () => {
    for (const d of [withQboot, alsoQboot, without]) await rm(d, { recursive: true, force: true });
  });

  it('takes qboot on amd64 from the first data directory that has it', async () => {
    const fw = await chooseFirmware('amd64', {}, [without, withQboot, alsoQboot]);
    expect(fw).toMatchObject({ name: 'qboot', file: join(withQboot, 'qboot.rom') });
    expect((await chooseFirmware('amd64', {}, [alsoQboot, withQboot])).file).toBe(join(alsoQboot, 'qboot.rom'));
    expect(qemuArgs({ arch: 'amd64', kernel: 'k', initrd: 'i', append: [], accel: 'tcg', timeoutMs: 1, firmware: fw }).slice(0, 4)).toEqual(['-M', 'pc', '-bios', fw.file]);
  });

  it("falls back to QEMU's own firmware and says where it looked", async () => {
    const fw = await chooseFirmware('amd64', {}, [without]);
    expect(fw.name).toBe('default');
    expect(fw.file).toBeUndefined();
    expect(fw.why).toContain(without);
    expect(qemuArgs({ arch: 'amd64', kernel: 'k', initrd: 'i', append: [], accel: 'tcg', timeoutMs: 1, firmware: fw })).not.toContain('-bios');
  });

  it('gives arm64 no firmware: QEMU loads its kernel itself', async () => {
    expect((await chooseFirmware('arm64', {}, [withQboot])).name).toBe('default');
  });

  it('honours CGPU_FIRMWARE, and refuses a value it does not know or a qboot it cannot find', async () => {
    expect((await chooseFirmware('amd64', { CGPU_FIRMWARE: 'default' }, [withQboot])).name).toBe('default');
    expect((await chooseFirmware('amd64', { CGPU_FIRMWARE: 'qboot' }, [withQboot])).name).toBe('qboot');
    await expect(chooseFirmware('amd64', { CGPU_FIRMWARE: 'qboot' }, [without])).rejects.toThrow(UsageError);
    await expect(chooseFirmware('amd64', { CGPU_FIRMWARE: 'seabios' }, [withQboot])).rejects.toThrow(/CGPU_FIRMWARE=seabios/);
  });
});
