export * from './cpio.js';
export * from './init-script.js';
export * from './initramfs.js';
export * from './qemu.js';
export * from './verdict.js';
export * from './junit.js';
export * from './smoke.js';
