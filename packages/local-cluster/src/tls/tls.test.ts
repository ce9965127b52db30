import { describe, expect, it } from '@jest/globals';
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { createServingCertificates } from './index.js';

describe('createServingCertificates', () => {
  it('makes a serving certificate for 127.0.0.1 that verifies against the CA', async () => {
    const certs = await createServingCertificates();
    const leaf = new X509Certificate(certs.cert);
    const ca = new X509Certificate(certs.caCert);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(ca.ca).toBe(true);

    const server = https.createServer({ cert: certs.cert, key: certs.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, ca: certs.caCert, path: '/' }, (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () => resolve(data));
        })
        .on('error', reject);
    });
    server.close();
    expect(body).toBe('ok');
  });
});
