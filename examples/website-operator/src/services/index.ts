/** Services the reconcilers get from the manager's container. */
export { DnsRegistry, type DnsRecord } from './dns-registry.js';
export { WebsiteMetrics } from './website-metrics.js';
export { WebsiteTokens, defaultSettings, type WebsiteOperatorSettings } from './settings.js';
