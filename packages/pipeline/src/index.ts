export * from './steps.js';
export * from './resolve.js';
export * from './probe-compiler.js';
export * from './patch-step.js';
export * from './identity.js';
export * from './build.js';
export * from './smoke.js';
export * from './run.js';
