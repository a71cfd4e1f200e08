/**
 * The benchmarks' HTTP driver: keep-alive connections at a fixed concurrency for a bounded time,
 * requests signed once with the real SigV4 signer and replayed (a signature stays valid for 15
 * minutes), so the driver's own cost is the same for every server it drives.
 */
import { request, Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../test/e2e/sha256.js';

export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

export interface Prepared {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

export function once(port: number, p: Prepared): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: p.method, path: p.path, headers: p.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(p.body);
  });
}

export async function load(port: number, p: Prepared, seconds = SECONDS) {
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const r = await once(port, p);
      lat.push(performance.now() - t0);
      if (r.status !== 200) errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (x: number) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))]!;
  return { rps: lat.length / secs, p50: q(0.5), p99: q(0.99), errors, n: lat.length };
}

/** A signed query-protocol POST (IAM, STS, EC2). */
export async function prepare(port: number, service: string, body: string, creds: Creds, region = 'us-east-1'): Promise<Prepared> {
  const signer = new SignatureV4({ service, region, credentials: creds, sha256: Sha256 });
  const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const s = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', query: {}, headers, body });
  return { method: 'POST', path: '/', headers: { ...(s.headers as Record<string, string>), 'content-length': String(Buffer.byteLength(body)) }, body };
}
