/**
 * The request pipeline, assembled in one place (see ../shared/DESIGN.md):
 *
 *   context -> health -> body (limit) -> service detection -> authenticate (SigV4) -> [throttle]
 *   -> resolve operation + parse + validate (model-driven) -> [authorize] -> handler (one transaction)
 *   -> serialize -> log
 *
 * Throttling is a hook filled by a later issue; authentication, parsing, authorization
 * (src/authz/authorizer.ts), serialization and logging happen here and only here. Handlers never
 * parse bytes, build XML/JSON, read the clock or check permissions.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Store, ReadTx } from '../store/types.js';
import type { Clock } from '../clock.js';
import type { Logger } from './log.js';
import type { RequestContext, Principal, HandlerContext } from './context.js';
import type { Operation } from '../model/types.js';
import type { WireRequest, WireResponse } from '../protocols/types.js';
import type { AuthInfo, SignedRequest } from '../auth/types.js';
import { AuthFailure } from '../auth/types.js';
import { parseAuth, verifySignature, checkPayloadHash, sha256Hex } from '../auth/sigv4.js';
import { decodeRequestBody, verifyS3PayloadIntegrity } from '../auth/body.js';
import { authErrorFor } from '../auth/errors.js';
import { CredentialCache } from '../auth/credential-cache.js';
import { Authorizer } from '../authz/authorizer.js';
import { FEDERATED_OPERATIONS } from '../auth/federation.js';
import { AccessTracker } from '../authz/last-accessed.js';
import { recordAccessKeyUse } from '../services/iam/users.js';
import type { AccessKeyRecord } from '../accounts/accounts.js';
import { ServiceError, isServiceError, internalError } from './errors.js';
import { detectService } from './detect.js';
import type { ServiceDef } from './services.js';
import { validateInput } from '../protocols/validate.js';
import { escapeXml, XML_DECL } from '../protocols/xml.js';
import { DEFAULT_REGION } from '../regions.js';

export interface GatewayOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Seals EC2's encoded authorization failure messages (src/authz/secrets.ts); random if absent. */
  messageKey?: Uint8Array;
}

class BodyTooLarge extends Error {}

/** Operations that only read: they run in a read transaction. */
const READ_ONLY_PREFIX = /^(Get|List|Describe|Head|Simulate|Decode|Lookup|Search|Select)/;
/** Named like reads but they create state (temporary credentials are stored). */
const WRITES_DESPITE_NAME = new Set(['GetSessionToken', 'GetFederationToken']);
const isReadOnly = (operation: string) => READ_ONLY_PREFIX.test(operation) && !WRITES_DESPITE_NAME.has(operation);

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const v = raw[i + 1]!;
    out[k] = k in out ? `${out[k]},${v}` : v;
  }
  return out;
}

function readBody(req: IncomingMessage, contentLength: string | undefined, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(contentLength);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(e);
      }
    });
  });
}

/** The answer when no service can be told from the request: there is no default service. */
function undetectedResponse(requestId: string, code: string, message: string): WireResponse {
  return {
    status: 400,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `${XML_DECL}\n<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function tooLarge(svc: ServiceDef, limit: number): ServiceError {
  if (svc.id === 's3') return new ServiceError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, { fields: { MaxSizeAllowed: limit } });
  return new ServiceError('RequestEntityTooLarge', `Request body exceeds the limit of ${limit} bytes`, 413);
}

export class Gateway {
  private readonly credentials: CredentialCache;
  readonly authorizer: Authorizer;
  /** Service last accessed data, fed by every authorization decision. */
  readonly accessTracker = new AccessTracker();
  private readonly messageKey: Uint8Array;

  constructor(private readonly opts: GatewayOptions) {
    this.credentials = new CredentialCache(opts.store);
    this.authorizer = new Authorizer(opts.store);
    this.authorizer.audit.onDecision((r) => this.accessTracker.observe(r));
    this.messageKey = opts.messageKey ?? randomBytes(32);
  }

  /** Counts requests in flight, for graceful shutdown. */
  inFlight = 0;

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    const started = performance.now();
    const ctx: RequestContext = {
      requestId: randomUUID(),
      receivedAt: this.opts.clock.now(),
      // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; aws:SourceIp is the IPv4 address.
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
      region: DEFAULT_REGION,
    };
    let response: WireResponse;
    let errorCode: string | undefined;
    try {
      const r = await this.process(req, ctx);
      response = r.response;
      errorCode = r.errorCode;
    } catch (e) {
      this.opts.logger.error('unhandled', { requestId: ctx.requestId, error: String((e as Error)?.stack ?? e) });
      response = undetectedResponse(ctx.requestId, 'InternalFailure', 'We encountered an internal error. Please try again.');
      response.status = 500;
      errorCode = 'InternalFailure';
    }
    ctx.status = response.status;
    if (ctx.principal) await this.noteKeyUse(ctx);
    if (this.accessTracker.dirty) await this.flushAccess(ctx);
    if (!res.headersSent) {
      const headers = response.headers;
      // AWS answers with Content-Length, never chunked; a HEAD keeps the length the codec gave.
      if (headers['content-length'] === undefined && headers['Content-Length'] === undefined) {
        headers['content-length'] = String(typeof response.body === 'string' ? Buffer.byteLength(response.body) : response.body.length);
      }
      res.writeHead(response.status, headers);
      res.end(req.method === 'HEAD' ? undefined : response.body);
    }
    this.inFlight--;
    this.opts.logger.request({
      requestId: ctx.requestId,
      account: ctx.principal?.accountId,
      principal: ctx.principal?.arn,
      service: ctx.service,
      operation: ctx.operation,
      status: response.status,
      errorCode,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    });
  }

  private async process(req: IncomingMessage, ctx: RequestContext): Promise<{ response: WireResponse; errorCode?: string }> {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
    const method = req.method ?? 'GET';

    if (path === '/_nimbus/health' && (method === 'GET' || method === 'HEAD')) {
      return {
        response: {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ status: 'ok', storage: this.opts.store.backend, inFlight: this.inFlight }),
        },
      };
    }

    const headers = flattenHeaders(req);
    let body: Buffer = Buffer.alloc(0);
    let overflow = false;
    try {
      body = await readBody(req, headers['content-length'], this.opts.maxBodyBytes);
    } catch (e) {
      if (e instanceof BodyTooLarge) overflow = true;
      else throw e;
    }

    const signed: SignedRequest = { method, path, rawQuery, headers };
    let info: AuthInfo | undefined;
    let parseFailure: AuthFailure | undefined;
    try {
      info = parseAuth(signed);
    } catch (e) {
      if (e instanceof AuthFailure) parseFailure = e;
      else throw e;
    }
    const det = detectService({
      scopeService: info?.service,
      target: headers['x-amz-target'],
      rawQuery,
      contentType: headers['content-type'],
      body,
      host: headers['host'],
      authorization: headers['authorization'],
    });
    if (!det.ok) {
      const message =
        det.reason === 'unserved'
          ? `Nimbus does not serve the service '${det.name}'.`
          : 'Nimbus could not tell which AWS service this request is for. Sign it with SigV4 (the credential scope names the service), send X-Amz-Target, or address a service host name (iam.amazonaws.com, sts.<region>.amazonaws.com, ec2.<region>.amazonaws.com, <bucket>.s3.<domain>).';
      return { response: undetectedResponse(ctx.requestId, 'UnknownService', message), errorCode: 'UnknownService' };
    }
    const svc = det.detection.service;
    const model = svc.model();
    ctx.service = svc.id;
    ctx.region = info?.region ?? det.detection.hostRegion ?? DEFAULT_REGION;
    let op: Operation | undefined;
    // Codecs read `method` (HEAD errors have no body) and `queryMode` (JSON services answering
    // query-compatible clients add x-amzn-query-error).
    const rctx = { requestId: ctx.requestId, hostId: ctx.requestId, method, queryMode: headers['x-amzn-query-mode'] === 'true' };
    try {
      if (overflow) throw tooLarge(svc, this.opts.maxBodyBytes);
      if (parseFailure) throw authErrorFor(svc.id, parseFailure);

      // The operation is resolved from the request line, headers and (non-streaming) body before
      // authentication so that authentication and the handler share one store transaction; a
      // resolution error is only reported once the caller is authenticated, as AWS orders them.
      const rawWire: WireRequest = { method, path, rawQuery, headers, body, hostBucket: det.detection.hostBucket };
      let opError: unknown;
      try {
        op = svc.codec.resolveOperation(rawWire, model);
      } catch (e) {
        opError = e;
      }
      const resolved = op;
      const authInfo = info;
      // Unsigned requests are accepted only for operations authenticated by an identity provider's proof.
      const federate = resolved && FEDERATED_OPERATIONS[svc.id]?.[resolved.name];
      if (!authInfo && !federate) throw authErrorFor(svc.id, new AuthFailure('missing', 'Request is missing Authentication Token'));
      const run = async (tx: HandlerContext['tx']) => {
        let principal!: Principal;
        let payload = body;
        let key: AccessKeyRecord | undefined;
        if (authInfo) {
          ({ principal, payload, key } = await this.authenticate(svc.id, tx, signed, authInfo, body, ctx.receivedAt));
          ctx.principal = principal;
          ctx.signingService = authInfo.service;
          if (svc.id === 's3') verifyS3PayloadIntegrity(headers, payload);
        }
        if (!resolved) throw opError;
        ctx.operation = resolved.name;
        const wire = payload === body ? rawWire : { ...rawWire, body: payload };
        const input = svc.codec.parseInput(wire, model, resolved);
        if (svc.validation !== 'none') validateInput(model, resolved, input, svc.validation);
        if (!authInfo) {
          // AssumeRoleWithWebIdentity / AssumeRoleWithSAML: the token or assertion is the authentication.
          principal = await federate!({ tx, input: input as Record<string, unknown>, now: ctx.receivedAt, region: ctx.region });
          ctx.principal = principal;
        }

        // Throttling hook: filled by the throttling issue.

        // Authorization: the caller's policies decide, before the operation looks at any state.
        await this.authorizer.authorize({
          tx,
          requestId: ctx.requestId,
          serviceId: svc.id,
          operation: resolved.name,
          input: input as Record<string, unknown>,
          principal,
          key,
          facts: { now: ctx.receivedAt, sourceIp: ctx.sourceIp, secureTransport: false, region: ctx.region },
          messageKey: this.messageKey,
        });

        const handler = svc.handlers[resolved.name];
        if (!handler) {
          throw new ServiceError('NotImplemented', `Nimbus does not implement ${model.metadata.serviceId} ${resolved.name} yet.`, 501, { senderFault: false });
        }
        return handler(input, {
          requestId: ctx.requestId,
          now: ctx.receivedAt,
          region: ctx.region,
          accountId: principal.accountId,
          principal,
          tx,
          readTx: tx,
        });
      };
      // Read-only operations run in a read transaction (a handler that tried to write would fail).
      const output = !resolved || isReadOnly(resolved.name)
        ? await this.opts.store.read((tx) => run(tx as HandlerContext['tx']))
        : await this.opts.store.write(run);
      return { response: svc.codec.serializeOutput(model, resolved!, output ?? undefined, rctx) };
    } catch (e) {
      let err: ServiceError;
      if (isServiceError(e)) err = e;
      else if (e instanceof AuthFailure) err = authErrorFor(svc.id, e);
      else {
        this.opts.logger.error('handler failure', { requestId: ctx.requestId, error: String((e as Error)?.stack ?? e) });
        err = internalError(svc.id === 's3' ? 'InternalError' : 'InternalFailure');
      }
      return { response: svc.codec.serializeError(model, op, err, rctx), errorCode: err.code };
    }
  }

  /** Last recorded use per long-term key (`<hour>|<service>|<region>`), to write only on change. */
  private readonly keyUse = new Map<string, string>();

  /**
   * Records an authenticated request against its access key (GetAccessKeyLastUsed), in its own
   * small transaction: the request's own may be read-only. Written only when the hour, service or
   * region changes, so a busy key costs one write per hour.
   */
  private async noteKeyUse(ctx: RequestContext): Promise<void> {
    const p = ctx.principal!;
    if (!p.accessKeyId || p.sessionToken !== undefined || p.accessKeyId.startsWith('ASIA')) return;
    const service = ctx.signingService ?? ctx.service ?? 'unknown';
    const stamp = `${Math.floor(ctx.receivedAt.getTime() / 3_600_000)}|${service}|${ctx.region}`;
    if (this.keyUse.get(p.accessKeyId) === stamp) return;
    try {
      await this.opts.store.write((tx) => recordAccessKeyUse(tx, p.accessKeyId, service, ctx.region, ctx.receivedAt));
      if (this.keyUse.size >= 100_000) this.keyUse.clear();
      this.keyUse.set(p.accessKeyId, stamp);
    } catch (e) {
      this.opts.logger.error('recording access key use failed', { requestId: ctx.requestId, error: String(e) });
    }
  }

  private async flushAccess(ctx: RequestContext): Promise<void> {
    try {
      await this.opts.store.write((tx) => this.accessTracker.flush(tx));
    } catch (e) {
      this.opts.logger.error('recording service last accessed failed', { requestId: ctx.requestId, error: String(e) });
    }
  }

  /** SigV4: resolves the key, checks its state, verifies the signature and the payload. */
  private async authenticate(
    serviceId: string,
    tx: ReadTx,
    signed: SignedRequest,
    info: AuthInfo,
    body: Buffer,
    now: Date,
  ): Promise<{ principal: Principal; payload: Buffer; key: AccessKeyRecord }> {
    const found = await this.credentials.lookup(tx, info.accessKeyId);
    if (!found) throw new AuthFailure('unknown-key', 'The security token included in the request is invalid.', { accessKeyId: info.accessKeyId });
    const { rec, principal } = found;
    const sha = info.contentSha256;
    const hexSha = sha !== undefined && /^[0-9a-f]{64}$/i.test(sha);
    const payloadHash = sha === undefined ? sha256Hex(body) : undefined;
    verifySignature(signed, info, rec.secretAccessKey, { now, payloadHash });
    if (rec.sessionToken !== undefined || info.sessionToken !== undefined) {
      // The token goes in the detail: S3 echoes it back (<Token-0>).
      const token = info.sessionToken !== undefined ? { token: info.sessionToken } : undefined;
      if (rec.sessionToken !== info.sessionToken) throw new AuthFailure('token-invalid', 'The security token included in the request is invalid.', token);
      if (rec.expiration && Date.parse(rec.expiration) <= now.getTime()) throw new AuthFailure('token-expired', 'The security token included in the request is expired', token);
      // GetSessionToken credentials without MFA cannot call IAM: IAM answers as for an invalid token.
      // Federated users' credentials (GetFederationToken) cannot call IAM at all.
      if (serviceId === 'iam' && ((rec.issuedBy === 'GetSessionToken' && !rec.mfaAuthenticated) || rec.issuedBy === 'GetFederationToken')) {
        throw new AuthFailure('token-invalid', 'The security token included in the request is invalid.', token);
      }
    }
    if (hexSha) checkPayloadHash(info, body);
    const payload = sha !== undefined && sha.startsWith('STREAMING-') ? decodeRequestBody(signed, info, rec.secretAccessKey, body) : body;
    return { principal, payload, key: rec };
  }
}
