/**
 * What a Website owns, as plain functions of the Website: the ConfigMap holding its HTML, the
 * Deployment serving it and the Service in front. Kept free of I/O so they are easy to test.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '@opkit/core';
import type { Website } from '../api/index.js';

/** The labels of every object a Website owns; the `owns` watches filter on `managed-by`. */
export function childLabels(site: Website): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'website',
    'app.kubernetes.io/instance': site.metadata.name ?? '',
    'app.kubernetes.io/managed-by': 'website-operator',
  };
}

/** The names of a Website's children: the Deployment and Service take its name, the ConfigMap adds `-content`. */
export function childNames(site: Website): { deployment: string; service: string; configMap: string } {
  const name = site.metadata.name ?? '';
  return { deployment: name, service: name, configMap: `${name}-content` };
}

/** The DNS name a Website is published under. */
export function domainOf(site: Website, suffix: string): string {
  return site.spec.domain ?? `${site.metadata.name ?? ''}.${site.metadata.namespace ?? 'default'}.${suffix}`;
}

// RFC 1123 subdomain, as k8s.io/apimachinery/pkg/util/validation IsDNS1123Subdomain checks it
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// a docker reference: lower-case repository, optional tag or digest
const IMAGE = /^[a-z0-9]+([._\-/][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * What is wrong with a Website's spec that the CRD schema cannot say, or undefined. Retrying will
 * not fix any of it, so the reconciler reports it and stops (TerminalError).
 */
export function specProblem(site: Website): string | undefined {
  const { image, domain } = site.spec;
  if (!IMAGE.test(image)) return `spec.image "${image}" is not a valid image reference`;
  if (domain !== undefined && (domain.length > 253 || !DNS_SUBDOMAIN.test(domain)))
    return `spec.domain "${domain}" is not a valid DNS name (lower-case letters, digits, '-' and '.')`;
  return undefined;
}

/** A short hash of the HTML: a pod-template annotation, so a content change rolls the pods. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

/** The ConfigMap holding index.html. */
export function desiredConfigMap(site: Website): KubeObject & { data: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: childNames(site).configMap,
      namespace: site.metadata.namespace,
      labels: childLabels(site),
    },
    data: { 'index.html': site.spec.content },
  };
}

/** The Deployment serving the HTML with `spec.image`. */
export function desiredDeployment(site: Website): KubeObject {
  const labels = childLabels(site);
  const selector = {
    'app.kubernetes.io/name': 'website',
    'app.kubernetes.io/instance': labels['app.kubernetes.io/instance']!,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: childNames(site).deployment, namespace: site.metadata.namespace, labels },
    spec: {
      replicas: site.spec.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels, annotations: { 'web.opkit.dev/content-hash': contentHash(site.spec.content) } },
        spec: {
          containers: [
            {
              name: 'web',
              image: site.spec.image,
              ports: [{ name: 'http', containerPort: 80 }],
              volumeMounts: [{ name: 'content', mountPath: '/usr/share/nginx/html', readOnly: true }],
            },
          ],
          volumes: [{ name: 'content', configMap: { name: childNames(site).configMap } }],
        },
      },
    },
  };
}

/** The Service in front of the Deployment. */
export function desiredService(site: Website): KubeObject {
  const labels = childLabels(site);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: childNames(site).service, namespace: site.metadata.namespace, labels },
    spec: {
      selector: {
        'app.kubernetes.io/name': 'website',
        'app.kubernetes.io/instance': labels['app.kubernetes.io/instance']!,
      },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  };
}
