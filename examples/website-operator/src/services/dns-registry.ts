/**
 * A stand-in for an external DNS provider: one ConfigMap per record in the DNS namespace. It lives
 * outside the Website's namespace, so no owner reference can make the garbage collector delete it;
 * the Website's finalizer does.
 */
import {
  Inject,
  Injectable,
  KubeClient,
  ManagerTokens,
  isAlreadyExists,
  isNotFound,
  type KubeObject,
} from '@opkit/core';
import { WebsiteTokens, type WebsiteOperatorSettings } from './settings.js';

/** A DNS record as the registry stores it. */
export interface DnsRecord {
  domain: string;
  /** Where the name points: the site's Service. */
  target: string;
}

interface RecordConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const CONFIG_MAP = { group: '', version: 'v1', kind: 'ConfigMap' };

/** Creates, updates and deletes DNS records; injected into the Website reconciler. */
@Injectable()
export class DnsRegistry {
  constructor(
    @Inject(ManagerTokens.KubeClient) private readonly client: KubeClient,
    @Inject(WebsiteTokens.Settings) private readonly settings: WebsiteOperatorSettings,
  ) {}

  /** The record's ConfigMap name for a Website. */
  recordName(site: { namespace: string; name: string }): string {
    return `${site.namespace}.${site.name}`;
  }

  /** Reads a record; undefined when there is none. */
  async get(site: { namespace: string; name: string }): Promise<DnsRecord | undefined> {
    try {
      const cm = await this.client.get<RecordConfigMap>(CONFIG_MAP, this.recordName(site), {
        namespace: this.settings.dnsNamespace,
      });
      return cm.data?.['domain'] ? { domain: cm.data['domain'], target: cm.data['target'] ?? '' } : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Writes the record (server-side apply: idempotent, no read first). Returns whether it changed. */
  async ensure(site: { namespace: string; name: string }, record: DnsRecord): Promise<boolean> {
    const current = await this.get(site);
    if (current?.domain === record.domain && current.target === record.target) return false;
    await this.ensureNamespace();
    await this.client.apply<RecordConfigMap>(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: this.recordName(site),
          namespace: this.settings.dnsNamespace,
          labels: { 'app.kubernetes.io/managed-by': 'website-operator' },
        },
        data: { domain: record.domain, target: record.target },
      },
      { fieldManager: 'website-operator', force: true },
    );
    return true;
  }

  /** Deletes the record; returns whether there was one. */
  async remove(site: { namespace: string; name: string }): Promise<boolean> {
    try {
      await this.client.delete(CONFIG_MAP, this.recordName(site), { namespace: this.settings.dnsNamespace });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async ensureNamespace(): Promise<void> {
    try {
      await this.client.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: this.settings.dnsNamespace },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}
