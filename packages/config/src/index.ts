// @cellar/config: oslo.config's model for Cellar. Sources are collected in precedence order,
// validated eagerly against the option registry, and reported all at once.

export * from './core-options.js';
export * from './did-you-mean.js';
export * from './ini.js';
export * from './load.js';
export * from './location.js';
export * from './registry.js';
export * from './sample.js';
export * from './show.js';
export * from './sources.js';
export * from './bootstrap.js';
export * from './bootstrap-storages.js';
export * from './guest-storage-section.js';
