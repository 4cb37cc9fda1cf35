export * from './series.js';
export * from './probes.js';
export * from './select.js';
export * from './apply.js';
export * from './compilers.js';
