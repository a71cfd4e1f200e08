/**
 * Denial messages as AWS renders them.
 *
 * Source: IAM User Guide, "Troubleshoot access denied error messages" (troubleshoot_access-denied.html):
 *   `User: <arn> is not authorized to perform: <action> on resource: <resource> because no <type> policy allows the <action> action`
 *   `User: <arn> is not authorized to perform: <action> on resource: <resource> with an explicit deny in a <type> policy`
 * with the policy-type phrases
 *   identity-based policy / permissions boundary / session policy / service control policy /
 *   resource control policy / resource-based policy / role trust policy ("with an explicit deny in the
 *   role trust policy"). The ` on resource: ...` part is left out for actions that have no resource
 *   (`*`), as in the page's examples (`codecommit:ListRepositories because no ...`).
 * "When an SCP denies access, the error message can include the phrase `due to an explicit deny in a
 * Service Control Policy`, even if the denial is implicit": by default an implicit SCP denial is
 * worded as explicit (`scpImplicitAsExplicit: false` gives `because no service control policy allows`).
 * Newer messages may append `: <policy ARN>` after an explicit deny (troubleshoot_access-denied-authorization-id.html):
 * pass `policyArn` for that.
 *
 * EC2 (UnauthorizedOperation): `You are not authorized to perform this operation. <denial>. Encoded
 * authorization failure message: <encoded>`; the decoded payload (sts:DecodeAuthorizationMessage) has
 * the shape shown in the IAM User Guide's DecodeAuthorizationMessage CLI example:
 *   {"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"VisualEditor0",
 *    "effect":"DENY","principals":{"items":[{"value":"AROA..."}]},"principalGroups":{"items":[]},
 *    "actions":{"items":[{"value":"ec2:RunInstances"}]},"resources":{"items":[{"value":"*"}]},
 *    "conditions":{"items":[]}}]},"failures":{"items":[]},"context":{"principal":{"id":"AROA...:Ana",
 *    "arn":"arn:aws:sts::111122223333:assumed-role/Developer/Ana"},"action":"ec2:RunInstances",
 *    "resource":"arn:aws:ec2:us-east-1:111122223333:instance/*","conditions":{"items":[{"key":"aws:Region",
 *    "values":{"items":[{"value":"us-east-1"}]}}]}}}
 * (`context.principal.name` is present for IAM users.) The encoding is ours: AES-256-GCM with a key
 * and IV supplied by the caller (this library generates no randomness), base64url of IV|tag|ciphertext.
 *
 * Gaps: how AWS renders a matched statement's own `conditions` items is not documented; we list each
 * condition key with its policy values.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { PolicyType, StatementRef } from './types.js';
import type { Decision, DeniedBy } from './decide.js';
import type { CompiledPolicy } from './compile.js';

export interface DenialMessageOptions {
  /** The caller's ARN (`anonymous` for unauthenticated callers). */
  principalArn: string;
  action: string;
  /** The resource; omitted from the message when undefined or `*`. */
  resource?: string;
  /** S3 quotes the resource ARN: `on resource: "arn:aws:s3:::bucket"`. */
  quoteResource?: boolean;
  /** Append `: <arn>` after an explicit deny (newer AWS format). */
  policyArn?: string;
  /** Word implicit SCP denials as explicit (the IAM User Guide's note); default true. */
  scpImplicitAsExplicit?: boolean;
}

const EXPLICIT: Record<string, string> = {
  identity: 'an identity-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
  scp: 'a service control policy',
  rcp: 'a resource control policy',
  resource: 'a resource-based policy',
  trust: 'the role trust policy',
};

const IMPLICIT: Record<string, string> = {
  identity: 'identity-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  scp: 'service control policy',
  rcp: 'resource control policy',
  resource: 'resource-based policy',
  trust: 'role trust policy',
};

function phraseKey(by: DeniedBy, type: PolicyType | undefined): string {
  return by === 'resource' && type === 'trust' ? 'trust' : by;
}

/** The reason clause alone: `because no identity-based policy allows the X action` / `with an explicit deny in ...`. */
export function denialReason(
  d: Pick<Decision, 'decision' | 'deniedBy' | 'deniedByType'>,
  action: string,
  opts: { policyArn?: string; scpImplicitAsExplicit?: boolean } = {},
): string {
  const by = d.deniedBy ?? 'identity';
  const key = phraseKey(by, d.deniedByType);
  const explicit = d.decision === 'ExplicitDeny' || (by === 'scp' && opts.scpImplicitAsExplicit !== false);
  if (explicit) return `with an explicit deny in ${EXPLICIT[key]}${opts.policyArn ? `: ${opts.policyArn}` : ''}`;
  return `because no ${IMPLICIT[key]} allows the ${action} action`;
}

/** `User: <arn> is not authorized to perform: <action>[ on resource: <res>] <reason>`. */
export function denialMessage(d: Pick<Decision, 'decision' | 'deniedBy' | 'deniedByType'>, o: DenialMessageOptions): string {
  let s = `User: ${o.principalArn} is not authorized to perform: ${o.action}`;
  if (o.resource !== undefined && o.resource !== '*') s += o.quoteResource ? ` on resource: "${o.resource}"` : ` on resource: ${o.resource}`;
  return `${s} ${denialReason(d, o.action, o)}`;
}

// ---------------------------------------------------------------------------------------------
// EC2 encoded authorization failure messages.

export interface AuthorizationMessageStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** The principal ids the statement applies to (the caller's unique id for identity policies). */
  principals: string[];
  actions: string[];
  resources: string[];
  conditions: { key: string; values: string[] }[];
}

export interface AuthorizationMessageInput {
  allowed: boolean;
  explicitDeny: boolean;
  matchedStatements: AuthorizationMessageStatement[];
  principal: { id: string; name?: string; arn: string };
  action: string;
  resource: string;
  /** The request context, key by key. */
  conditions: { key: string; values: string[] }[];
}

const items = <T>(list: T[]) => ({ items: list });
const values = (vs: string[]) => items(vs.map((value) => ({ value })));

/** The JSON text DecodeAuthorizationMessage returns (key order as AWS emits it). */
export function authorizationMessageJson(m: AuthorizationMessageInput): string {
  const principal: Record<string, string> = { id: m.principal.id };
  if (m.principal.name !== undefined) principal.name = m.principal.name;
  principal.arn = m.principal.arn;
  return JSON.stringify({
    allowed: m.allowed,
    explicitDeny: m.explicitDeny,
    matchedStatements: items(
      m.matchedStatements.map((s) => ({
        statementId: s.sid ?? '',
        effect: s.effect === 'Deny' ? 'DENY' : 'ALLOW',
        principals: values(s.principals),
        principalGroups: items([]),
        actions: values(s.actions),
        resources: values(s.resources),
        conditions: items(s.conditions.map((c) => ({ key: c.key, values: values(c.values) }))),
      })),
    ),
    failures: items([]),
    context: {
      principal,
      action: m.action,
      resource: m.resource,
      conditions: items(m.conditions.map((c) => ({ key: c.key, values: values(c.values) }))),
    },
  });
}

/**
 * The matched statements of a decision, in the decoded-message form, looked up in the policies they
 * came from (`principalId`: the caller's unique id, e.g. AIDA... or AROA...).
 */
export function matchedStatementsFor(
  matched: readonly StatementRef[],
  policies: readonly CompiledPolicy[],
  principalId: string,
): AuthorizationMessageStatement[] {
  const out: AuthorizationMessageStatement[] = [];
  for (const ref of matched) {
    const pol = policies.find((p) => p.id === ref.policyId && p.type === ref.policyType);
    const st = pol?.parsed.statements[ref.index];
    if (!st) continue;
    const conditions: { key: string; values: string[] }[] = [];
    for (const block of Object.values(st.condition ?? {})) {
      for (const [key, v] of Object.entries(block as Record<string, unknown>)) {
        conditions.push({ key, values: (Array.isArray(v) ? v : [v]).map((x) => String(x)) });
      }
    }
    const item: AuthorizationMessageStatement = {
      effect: st.effect,
      principals: [principalId],
      actions: st.action ?? st.notAction ?? [],
      resources: st.resource ?? st.notResource ?? [],
      conditions,
    };
    if (st.sid !== undefined) item.sid = st.sid;
    out.push(item);
  }
  return out;
}

/** Seals the decoded-message JSON: AES-256-GCM, key (32 bytes) and IV (12 bytes) from the caller. */
export function encodeAuthorizationMessage(json: string, key: Uint8Array, iv: Uint8Array): string {
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(json, 'utf8'), c.final()]);
  return Buffer.concat([Buffer.from(iv), c.getAuthTag(), body]).toString('base64url');
}

/** Opens an encoded message; undefined when it was not sealed with this key (DecodeAuthorizationMessage's InvalidAuthorizationMessageException). */
export function decodeAuthorizationMessage(encoded: string, key: Uint8Array): string | undefined {
  try {
    const raw = Buffer.from(encoded, 'base64url');
    if (raw.length < 28) return undefined;
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** EC2's UnauthorizedOperation message. */
export function unauthorizedOperationMessage(
  d: Pick<Decision, 'decision' | 'deniedBy' | 'deniedByType'>,
  o: DenialMessageOptions,
  encoded: string,
): string {
  return `You are not authorized to perform this operation. ${denialMessage(d, o)}. Encoded authorization failure message: ${encoded}`;
}
