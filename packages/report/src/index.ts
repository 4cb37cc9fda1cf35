export * from './text.js';
export * from './model.js';
export * from './junit.js';
export * from './summary.js';
export * from './reproduce.js';
export * from './html.js';
export * from './write.js';
