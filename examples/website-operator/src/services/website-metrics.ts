/** The operator's own Prometheus metrics, registered on the manager's registry (served at /metrics). */
import { Counter, Gauge, type Registry } from 'prom-client';
import { Inject, Injectable, ManagerTokens } from '@opkit/core';

/** Counters and gauges about Websites; injected into the reconciler. */
@Injectable()
export class WebsiteMetrics {
  /** DNS records written (created or changed). */
  readonly dnsRecordsWritten: Counter;
  /** DNS records removed by the finalizer. */
  readonly dnsRecordsRemoved: Counter;
  /** Ready server pods per Website. */
  readonly readyReplicas: Gauge<'namespace' | 'website'>;

  constructor(@Inject(ManagerTokens.MetricsRegistry) registry: Registry) {
    const registers = [registry];
    this.dnsRecordsWritten = new Counter({
      name: 'website_operator_dns_records_written_total',
      help: 'DNS records created or changed',
      registers,
    });
    this.dnsRecordsRemoved = new Counter({
      name: 'website_operator_dns_records_removed_total',
      help: 'DNS records removed by the finalizer',
      registers,
    });
    this.readyReplicas = new Gauge({
      name: 'website_operator_ready_replicas',
      help: 'Ready server pods per Website',
      labelNames: ['namespace', 'website'],
      registers,
    });
  }
}
