/**
 * Decorators: declare a reconciler's watches on its class with `@Controller({...})` and its
 * dependencies with `@Inject(token)` constructor parameters, resolved by the manager's inversify
 * container.
 */
export {
  Controller,
  Inject,
  Injectable,
  blueprintFromDecorator,
  controllerOptionsOf,
  isDecoratedReconciler,
  type ControllerDecoratorOptions,
  type OwnedKind,
  type ReconcilerClass,
  type WatchedKind,
} from './controller-decorator.js';
