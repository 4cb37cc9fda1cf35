export * from './engine.js';
export * from './recipes.js';
export * from './containers.js';
export * from './images.js';
export * from './elf.js';
export * from './build.js';
export * from './dkms-build.js';
export * from './local-image.js';
