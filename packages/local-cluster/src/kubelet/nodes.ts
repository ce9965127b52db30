/**
 * Simulated Nodes: registration with capacity, addresses and conditions, and heartbeats through
 * Leases in kube-node-lease, as the kubelet's node status manager and lease controller do
 * (pkg/kubelet/kubelet_node_status.go, k8s.io/component-helpers/apimachinery/lease).
 */
import { ApiError, rfc3339, rfc3339Micro, type KubeObject } from '../api/index.js';
import type { ApiCore } from '../apiserver/index.js';

/** The fixed size of a simulated node. */
export const NODE_CAPACITY = {
  cpu: '4',
  memory: '8Gi',
  pods: '110',
  'ephemeral-storage': '100Gi',
  'hugepages-2Mi': '0',
};

/** A condition of node.status. */
interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

function conditions(ready: boolean, now: string, previous: NodeCondition[] = []): NodeCondition[] {
  const make = (
    type: string,
    status: NodeCondition['status'],
    reason: string,
    message: string,
  ): NodeCondition => {
    const prev = previous.find((c) => c.type === type);
    return {
      type,
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
      reason,
      message,
    };
  };
  if (!ready) {
    // what the node lifecycle controller writes when the kubelet stops posting status
    const unknown = (type: string) => ({
      ...make(type, 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'),
      lastHeartbeatTime: previous.find((c) => c.type === type)?.lastHeartbeatTime ?? now,
    });
    return ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map(unknown);
  }
  return [
    make('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    make('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    make('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** One simulated node's API objects. */
export class SimulatedNode {
  constructor(
    private readonly core: ApiCore,
    readonly name: string,
    readonly internalIP: string,
    /** The pod address range of this node: pods get `<prefix>.B.C`. */
    readonly podCIDR: string,
    private readonly now: () => Date,
  ) {}

  /** Creates (or takes over) the Node and its Lease, Ready. */
  async register(): Promise<void> {
    const nodeType = this.core.typeOf('', 'v1', 'nodes');
    const existing = this.core.store.get({ resource: '/nodes', namespace: '', name: this.name });
    if (!existing) {
      await this.core.create(
        nodeType,
        '',
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: this.name,
            labels: {
              'beta.kubernetes.io/arch': 'amd64',
              'beta.kubernetes.io/os': 'linux',
              'kubernetes.io/arch': 'amd64',
              'kubernetes.io/hostname': this.name,
              'kubernetes.io/os': 'linux',
            },
            annotations: {
              'node.alpha.kubernetes.io/ttl': '0',
              'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
            },
          },
          spec: { podCIDR: this.podCIDR, podCIDRs: [this.podCIDR] },
          status: this.status(true),
        },
        { fieldManager: 'kubelet' },
      );
    } else {
      await this.postStatus(true);
    }
    await this.renewLease();
  }

  private status(ready: boolean, previous?: KubeObject): Record<string, unknown> {
    const now = rfc3339(this.now());
    const prevConditions = ((previous?.status ?? {}) as { conditions?: NodeCondition[] }).conditions;
    return {
      capacity: { ...NODE_CAPACITY },
      allocatable: { ...NODE_CAPACITY },
      conditions: conditions(ready, now, prevConditions),
      addresses: [
        { type: 'InternalIP', address: this.internalIP },
        { type: 'Hostname', address: this.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: this.name
          .replace(/[^a-z0-9]/g, '')
          .padEnd(32, '0')
          .slice(0, 32),
        systemUUID: this.name,
        bootID: this.name,
        kernelVersion: 'opkit',
        osImage: 'opkit local node',
        containerRuntimeVersion: 'opkit://0.1.0',
        kubeletVersion: 'v1.33.0',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  /** Writes node.status (Ready, or Unknown for a lost node). */
  async postStatus(ready: boolean): Promise<void> {
    const nodeType = this.core.typeOf('', 'v1', 'nodes');
    for (let attempt = 0; attempt < 5; attempt++) {
      const node = this.core.store.get({ resource: '/nodes', namespace: '', name: this.name });
      if (!node) return;
      const next = { ...node, status: this.status(ready, node) };
      try {
        await this.core.update(nodeType, '', this.name, next, {
          subresource: 'status',
          fieldManager: 'kubelet',
        });
        return;
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      }
    }
  }

  /** Renews the node's Lease (creating it on first use). */
  async renewLease(): Promise<void> {
    const leaseType = this.core.typeOf('coordination.k8s.io', 'v1', 'leases');
    const key = { resource: 'coordination.k8s.io/leases', namespace: 'kube-node-lease', name: this.name };
    const renewTime = rfc3339Micro(this.now());
    const lease = this.core.store.get(key);
    try {
      if (!lease) {
        const node = this.core.store.get({ resource: '/nodes', namespace: '', name: this.name });
        await this.core.create(
          leaseType,
          'kube-node-lease',
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name: this.name,
              ...(node
                ? {
                    ownerReferences: [
                      { apiVersion: 'v1', kind: 'Node', name: this.name, uid: node.metadata.uid ?? '' },
                    ],
                  }
                : {}),
            },
            spec: { holderIdentity: this.name, leaseDurationSeconds: 40, renewTime },
          },
          { fieldManager: 'kubelet' },
        );
        return;
      }
      await this.core.update(
        leaseType,
        'kube-node-lease',
        this.name,
        { ...lease, spec: { ...(lease.spec as object), holderIdentity: this.name, renewTime } },
        { fieldManager: 'kubelet' },
      );
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 409 || e.code === 404))) throw e;
    }
  }
}
