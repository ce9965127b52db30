import { describe, it, expect } from '@jest/globals';
import { compareRbac, formatRbacComparison, type BoundRules } from './rbac-coverage.js';

const manager: BoundRules = {
  role: 'op-manager-role',
  rules: [
    { apiGroups: ['shop.example.com'], resources: ['orders'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['shop.example.com'], resources: ['orders/status'], verbs: ['update'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['tls'] },
  ],
};
const leases: BoundRules = {
  role: 'op-leader-election-role',
  namespace: 'op-system',
  rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create'] }],
};

describe('compareRbac', () => {
  it('counts used grants and finds denied requests', () => {
    const c = compareRbac(
      [manager, leases],
      [
        { verb: 'list', apiGroup: 'shop.example.com', resource: 'orders' },
        { verb: 'watch', apiGroup: 'shop.example.com', resource: 'orders' },
        {
          verb: 'update',
          apiGroup: 'shop.example.com',
          resource: 'orders',
          subresource: 'status',
          namespace: 'a',
          name: 'x',
        },
        { verb: 'patch', apiGroup: 'shop.example.com', resource: 'orders', namespace: 'a', name: 'x' },
        {
          verb: 'get',
          apiGroup: 'coordination.k8s.io',
          resource: 'leases',
          namespace: 'op-system',
          name: 'l',
        },
        // a Role grants nothing outside its namespace
        { verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'other', name: 'l' },
        // resourceNames: only that name, and never a list
        { verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'a', name: 'tls' },
        { verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'a', name: 'other' },
      ],
    );
    expect(c.denied.map((r) => `${r.verb} ${r.resource} ${r.namespace}/${r.name}`)).toEqual([
      'patch orders a/x',
      'get leases other/l',
      'get secrets a/other',
    ]);
    const uses = Object.fromEntries(c.grants.map((g) => [`${g.resource} ${g.verb}`, g.uses]));
    expect(uses).toEqual({
      'orders get': 0,
      'orders list': 1,
      'orders watch': 1,
      'orders/status update': 1,
      'secrets get': 1,
      'leases get': 1,
      'leases create': 0,
    });
    expect(formatRbacComparison(c)).toMatch(
      /unused {4}0 {2}op-leader-election-role {2}coordination\.k8s\.io\/leases create/,
    );
    expect(formatRbacComparison(c)).toContain('DENIED patch shop.example.com/orders in a (x)');
  });
});
