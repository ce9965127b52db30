/** The operator's API: the Website kind. */
export { WEB_GROUP, WebsiteKind, type Website, type WebsiteStatus } from './web/v1alpha1/website.js';
