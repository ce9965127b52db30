/**
 * Cluster DNS of the local cluster: records computed from Services and Pods, hosts files read by
 * processes through libnss_wrapper, and {@link ClusterResolver} for code running outside the cluster.
 */
export {
  ClusterDns,
  ClusterResolver,
  findNssWrapper,
  type ClusterDnsOptions,
  type ClusterResolverOptions,
} from './cluster-dns.js';
export { DnsRecords, type DnsRecord } from './records.js';
