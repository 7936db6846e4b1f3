// Continuous delivery, promotion and scheduled deploys (§15).
export * from './auto-deploy.js';
export * from './poll.js';
export * from './promotion.js';
export * from './schedule.js';
