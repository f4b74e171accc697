export { adminRouter, adminRouteList } from './admin.routes';
