export * from './config.js';
export * from './source.js';
export * from './image.js';
export * from './script.js';
export * from './plan.js';
export * from './build.js';
export * from './resolve.js';
