import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeClient, continueTokenOf } from './kube-client.js';
import { KubeConfigTransport, type RestRequest, type RestResponse, type RestTransport } from './transport.js';
import type { KubeObject } from './types.js';
import { FakeApiServer } from './__tests__/fake-apiserver.js';

const CM = { group: '', version: 'v1', kind: 'ConfigMap' };

/** Passes requests through, logging list requests and letting a test rewrite response bodies. */
class RecordingTransport implements RestTransport {
  log: string[] = [];
  rewrite: ((body: Buffer) => Buffer) | undefined;
  constructor(private readonly inner: KubeConfigTransport) {}
  async request(req: RestRequest): Promise<RestResponse> {
    const isList = req.path.endsWith('/configmaps');
    if (isList) this.log.push(`request ${req.query?.continue ?? 'first'}`);
    const res = await this.inner.request(req);
    return isList && this.rewrite ? { ...res, body: this.rewrite(res.body) } : res;
  }
  stream(req: RestRequest) {
    return this.inner.stream(req);
  }
}

let server: FakeApiServer;
let transport: RecordingTransport;
let client: KubeClient;

beforeAll(async () => {
  server = await FakeApiServer.start();
  transport = new RecordingTransport(new KubeConfigTransport(server.kubeConfig()));
  client = new KubeClient({ kubeConfig: server.kubeConfig(), transport });
  for (let i = 0; i < 5; i++)
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `p${i}`, namespace: 'paged' },
    });
});
afterAll(async () => {
  (transport as unknown as { inner: KubeConfigTransport }).inner.close();
  await server.stop();
});

describe('KubeClient.listPages', () => {
  it('requests the next page before handing out the current one (pipelining)', async () => {
    transport.log = [];
    const names: string[] = [];
    for await (const page of client.listPages(CM, { namespace: 'paged', pageSize: 2 })) {
      transport.log.push(`page ${page.items.map((o: KubeObject) => o.metadata.name).join(',')}`);
      for (const o of page.items) names.push(o.metadata.name!);
    }
    expect(names).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    const rv = transport.log[1]!.split(' ')[1]!.split(':')[0];
    expect(transport.log).toEqual([
      'request first',
      `request ${rv}:2`,
      'page p0,p1',
      `request ${rv}:4`,
      'page p2,p3',
      'page p4',
    ]);
  });

  it('falls back to the parsed continue token when the head of the body does not give it', async () => {
    // items before metadata: nothing can be read from the head, so pages go one at a time
    transport.rewrite = (body) => {
      const list = JSON.parse(body.toString('utf8')) as { items: unknown[]; metadata: unknown };
      return Buffer.from(JSON.stringify({ items: list.items, metadata: list.metadata }));
    };
    try {
      transport.log = [];
      const all = await client.list(CM, { namespace: 'paged', pageSize: 2 });
      expect(all.items.map((o) => o.metadata.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
      expect(transport.log.filter((l) => l.startsWith('request'))).toHaveLength(3);
    } finally {
      transport.rewrite = undefined;
    }
  });

  it('drops a prefetch whose guessed token the parsed page contradicts', async () => {
    // a decoy "continue" in the head's metadata that the real (later) one overrides
    transport.rewrite = (body) => {
      const text = body.toString('utf8');
      return text.includes('"continue"')
        ? Buffer.from(text.replace('"metadata":{', '"metadata":{"continue":"decoy",'))
        : body;
    };
    try {
      const all = await client.list(CM, { namespace: 'paged', pageSize: 2 });
      expect(all.items.map((o) => o.metadata.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    } finally {
      transport.rewrite = undefined;
    }
  });

  it('aborts the page in flight when the consumer stops early', async () => {
    transport.log = [];
    for await (const page of client.listPages(CM, { namespace: 'paged', pageSize: 2 })) {
      expect(page.items).toHaveLength(2);
      break;
    }
    // the prefetched second page was requested, nothing after it
    expect(transport.log.filter((l) => l.startsWith('request'))).toHaveLength(2);
  });
});

describe('continueTokenOf', () => {
  it('reads the token from list metadata in the head of a body', () => {
    expect(
      continueTokenOf(
        Buffer.from(
          '{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"eyJ2IjoxfQ","remainingItemCount":3},"items":[]}',
        ),
      ),
    ).toBe('eyJ2IjoxfQ');
    expect(
      continueTokenOf(
        Buffer.from(
          '{"kind":"ConfigMapList","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"continue":"x"}}]}',
        ),
      ),
    ).toBeUndefined();
    expect(continueTokenOf(Buffer.from('{"items":[],"metadata":{"continue":"late"}}'))).toBeUndefined();
    expect(continueTokenOf(Buffer.from('{"metadata":{"continue":""}}'))).toBeUndefined();
  });
});
