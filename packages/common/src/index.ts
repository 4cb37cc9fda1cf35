export * from './errors.js';
export * from './paths.js';
export * from './interrupt.js';
export * from './run.js';
export * from './files.js';
export * from './shell.js';
export * from './hash-stamp.js';
export * from './live-scope.js';
