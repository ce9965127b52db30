/**
 * `@opkit/statefulset`: the StatefulSet primitive database operators share (a member group of
 * StatefulSets under one custom resource, with its Services, PDB, identity helpers and observed
 * state) and the crash-safe runbook engine that changes membership one step at a time.
 * See docs/statefulset.md.
 */
export * from './client/index.js';
export * from './group/index.js';
export * from './runbook/index.js';
