/**
 * A denial, rendered as each service renders it:
 *  - IAM, STS (query): `AccessDenied`, HTTP 403, `User: <arn> is not authorized to perform: <action>
 *    on resource: <resource> because no identity-based policy allows the <action> action`;
 *  - EC2: `UnauthorizedOperation`, HTTP 403, `You are not authorized to perform this operation.
 *    <the same sentence>. Encoded authorization failure message: <sealed JSON>` (STS
 *    DecodeAuthorizationMessage opens it);
 *  - S3: `AccessDenied`, HTTP 403, the resource ARN in quotes;
 *  - JSON-protocol services: `AccessDeniedException`, HTTP 400.
 */
import { randomBytes } from 'node:crypto';
import type { Principal } from '../gateway/context.js';
import type { Decision } from '../policy/decide.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { FactsContext } from './request-context.js';
import type { BoundResource } from './resources.js';
import { ServiceError } from '../gateway/errors.js';
import {
  authorizationMessageJson,
  denialMessage,
  encodeAuthorizationMessage,
  matchedStatementsFor,
  unauthorizedOperationMessage,
} from '../policy/messages.js';

export interface DenialFacts {
  principal: Principal;
  action: string;
  resource: BoundResource;
  context: FactsContext;
  policies: readonly CompiledPolicy[];
  messageKey: Uint8Array;
}

const JSON_SERVICES = new Set(['service-quotas', 'rbin']);

function renderValue(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (v instanceof Date) return [v.toISOString().replace('.000Z', 'Z')];
  return [String(v)];
}

export function denialError(serviceId: string, d: Decision, f: DenialFacts): ServiceError {
  // Identity-provider callers are not named: AWS answers `Not authorized to perform sts:AssumeRoleWithWebIdentity`.
  if (f.principal.type === 'web-identity' || f.principal.type === 'saml') return new ServiceError('AccessDenied', `Not authorized to perform ${f.action}`, 403);
  const opts = { principalArn: f.principal.arn, action: f.action, resource: f.resource.display ?? f.resource.arn };
  if (serviceId === 'ec2') {
    const json = authorizationMessageJson({
      allowed: false,
      explicitDeny: d.decision === 'ExplicitDeny',
      matchedStatements: matchedStatementsFor(d.matched, f.policies, f.principal.userId),
      principal: { id: f.principal.userId, name: f.principal.type === 'user' ? f.principal.name : undefined, arn: f.principal.arn },
      action: f.action,
      resource: f.resource.arn,
      conditions: f.context.entries().map(([key, v]) => ({ key, values: renderValue(v) })),
    });
    const encoded = encodeAuthorizationMessage(json, f.messageKey, randomBytes(12));
    return new ServiceError('UnauthorizedOperation', unauthorizedOperationMessage(d, opts, encoded), 403);
  }
  if (serviceId === 's3') return new ServiceError('AccessDenied', denialMessage(d, { ...opts, quoteResource: true }), 403);
  if (JSON_SERVICES.has(serviceId)) return new ServiceError('AccessDeniedException', denialMessage(d, opts), 400);
  return new ServiceError('AccessDenied', denialMessage(d, opts), 403);
}
