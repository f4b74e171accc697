export { healthRoutes } from './health.routes';
export { metricsRoutes } from './metrics.routes';
