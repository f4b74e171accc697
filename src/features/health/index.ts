export { healthRoutes } from './health.routes';
export { metricsRoutes, metricsAccess } from './metrics.routes';
