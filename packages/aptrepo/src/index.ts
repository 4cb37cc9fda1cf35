export * from './control.js';
export * from './release.js';
export * from './keys.js';
export * from './publish.js';
