export { requestLoginLink, issueLoginLink, redeemLoginLink, loginToken, LINK_VALID_MINUTES } from './login.service';
export { pruneLoginLinks } from './login.repo';
export { meEmailEnrichers } from './me.emails';
export { meRoutes, ME_IDLE_MINUTES } from './me.routes';
export { requireSupporter } from './me.session';
export { meAdminRoutes } from './me.admin.routes';
