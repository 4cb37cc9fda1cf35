export * from './variables.js';
export * from './eval-script.js';
export * from './parse.js';
export * from './version.js';
export * from './ere.js';
export * from './interpret.js';
