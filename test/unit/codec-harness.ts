/** Shared helpers for the protocol codec unit tests: error capture and a tiny server around a codec. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Operation, ServiceModel } from '../../src/model/types.js';
import type { ProtocolCodec, WireRequest } from '../../src/protocols/types.js';
import { ServiceError, isServiceError } from '../../src/gateway/errors.js';

/** Runs `fn`, which must throw a ServiceError, and returns that error. */
export function serviceErrorOf(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ServiceError, `expected ServiceError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ServiceError');
}

export type CodecHandler = (op: Operation, input: Record<string, unknown>) => Record<string, unknown> | undefined;

/**
 * Serves `codec` over node:http so a real SDK client can talk to it: each request is resolved,
 * parsed, checked by `check` (e.g. validation), answered by `handler`, and serialized; errors are
 * serialized in the protocol's envelope. Requests seen are appended to `seen`.
 */
export async function serveCodec(
  model: ServiceModel,
  codec: ProtocolCodec,
  handler: CodecHandler,
  opts: { seen?: Array<{ op: string; input: Record<string, unknown> }>; check?: (op: Operation, input: Record<string, unknown>) => void; requestIdPrefix?: string } = {},
): Promise<{ server: Server; url: string }> {
  const seen = opts.seen ?? [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const wire: WireRequest = { method: req.method ?? 'GET', path: q === -1 ? url : url.slice(0, q), rawQuery: q === -1 ? '' : url.slice(q + 1), headers, body: Buffer.concat(chunks) };
      const ctx = { requestId: (opts.requestIdPrefix ?? 'req-') + seen.length };
      let op: Operation | undefined;
      let out;
      try {
        op = codec.resolveOperation(wire, model);
        const input = codec.parseInput(wire, model, op);
        seen.push({ op: op.name, input });
        opts.check?.(op, input);
        out = codec.serializeOutput(model, op, handler(op, input), ctx);
      } catch (e) {
        out = codec.serializeError(model, op, isServiceError(e) ? e : new ServiceError('InternalFailure', String(e), 500), ctx);
      }
      res.writeHead(out.status, out.headers);
      res.end(out.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
