/** Every controller the manager runs, and the container holding what they need. */
import 'reflect-metadata';
import { Container } from 'inversify';
import type { ControllerBlueprint, ReconcilerClass } from '@opkit/core';
import {
  DnsRegistry,
  WebsiteMetrics,
  WebsiteTokens,
  defaultSettings,
  type WebsiteOperatorSettings,
} from '../services/index.js';
import { SharedContentReconciler, sharedContentController } from './shared-content.js';
import { WebsiteReconciler } from './website.js';

export {
  WebsiteReconciler,
  DNS_FINALIZER,
  FIELD_MANAGER,
  NOT_READY_REQUEUE_MS,
  RESYNC_MS,
} from './website.js';
export {
  SharedContentReconciler,
  MIRRORED_FROM_ANNOTATION,
  sharedContentController,
} from './shared-content.js';
export * from './website-children.js';

/**
 * The container of this operator's services; give it to the manager (`container` option), which
 * adds its own (clients, logger, metrics registry, event recorder) before anything is resolved.
 */
export function websiteContainer(settings: Partial<WebsiteOperatorSettings> = {}): Container {
  const container = new Container();
  const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  container.bind(WebsiteTokens.Settings).toConstantValue({ ...defaultSettings, ...given });
  container.bind(DnsRegistry).toSelf().inSingletonScope();
  container.bind(WebsiteMetrics).toSelf().inSingletonScope();
  container.bind(SharedContentReconciler).toSelf().inSingletonScope();
  return container;
}

/** The controllers, for `runManager({ controllers, container })`: one decorated class, one blueprint. */
export function websiteControllers(container: Container): (ControllerBlueprint | ReconcilerClass)[] {
  const settings = container.get<WebsiteOperatorSettings>(WebsiteTokens.Settings);
  return [WebsiteReconciler as unknown as ReconcilerClass, sharedContentController(container, settings)];
}
