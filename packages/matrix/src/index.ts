export * from './model.js';
export * from './lock.js';
export * from './audit.js';
export * from './workflow.js';
export * from './readme.js';
