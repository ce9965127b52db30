/** The operator's settings, bound in the container under {@link WebsiteTokens.Settings}. */

/** Where the operator keeps what lies outside a Website's namespace. */
export interface WebsiteOperatorSettings {
  /**
   * The namespace of the DNS records (ConfigMaps standing for entries in an external DNS
   * provider). An owner reference cannot cross namespaces, so a finalizer removes them.
   */
  dnsNamespace: string;
  /** Domain suffix of sites without `spec.domain`: `<name>.<namespace>.<suffix>`. */
  domainSuffix: string;
  /** The ConfigMap mirrored into every namespace labelled {@link mirrorLabel}. */
  sharedContent: { namespace: string; name: string };
  /** The namespace label (value `true`) that asks for a copy of the shared content. */
  mirrorLabel: string;
}

/** The defaults: `website-dns`, `sites.local`, `website-operator-system/shared-content`. */
export const defaultSettings: WebsiteOperatorSettings = {
  dnsNamespace: 'website-dns',
  domainSuffix: 'sites.local',
  sharedContent: { namespace: 'website-operator-system', name: 'shared-content' },
  mirrorLabel: 'web.opkit.dev/shared-content',
};

/** Container tokens of this operator's own services (the manager's are in `ManagerTokens`). */
export const WebsiteTokens = {
  Settings: Symbol.for('website-operator.Settings'),
} as const;
