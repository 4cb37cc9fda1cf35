/**
 * nx runtime input of the smoke targets: the firmware an amd64 guest boots with on this machine (qboot when
 * its QEMU ships qboot.rom, else QEMU's own), the choice `CGPU_FIRMWARE` alone does not name. arm64 guests
 * have no firmware stage, so one line covers both.
 */
import { chooseFirmware } from '@cgpu/vmtest';

// A bad CGPU_FIRMWARE fails the task itself (exit 2); here it only has to hash as something else.
const fw = await chooseFirmware('amd64').catch((e: unknown) => ({ name: 'invalid', file: e instanceof Error ? e.message : String(e) }));
process.stdout.write(`${fw.name} ${fw.file ?? ''}\n`);
