/** The Website example operator: its API, controllers and services (the entry point is main.ts). */
export * from './api/index.js';
export * from './services/index.js';
export * from './controllers/index.js';
