/**
 * The request context the policy engine's conditions and variables read, filled by the pipeline.
 *
 * Global keys (IAM User Guide, "AWS global condition context keys"), present as AWS makes them:
 *  - always: aws:CurrentTime, aws:EpochTime, aws:SourceIp, aws:SecureTransport,
 *    aws:RequestedRegion, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid,
 *    aws:ViaAWSService and aws:PrincipalIsAWSService (false: the caller signed the request itself);
 *  - aws:username for IAM users only; aws:PrincipalTag/<k> for the user's or role's tags;
 *  - aws:MultiFactorAuthPresent and aws:TokenIssueTime only for temporary credentials ("This key
 *    is not present when ... long-term access keys": a long-term key has no MFA context at all),
 *    aws:MultiFactorAuthAge only when the session was MFA-authenticated;
 *  - aws:RequestTag/<k> and aws:TagKeys from the tags a request sets (or TagKeys it removes), and
 *    aws:ResourceTag/<k> (plus iam:ResourceTag/<k>) from the addressed entity's tags, only where
 *    the Service Authorization Reference lists them for the action or resource type.
 * Service keys come from the input, again only where the reference lists them for the action.
 */
import type { Principal } from '../gateway/context.js';
import type { AccessKeyRecord } from '../accounts/accounts.js';
import type { ActionDef } from './actions.js';
import type { BoundResource } from './resources.js';
import type { ContextInput } from '../policy/context.js';
import type { ContextKeys } from '../policy/types.js';

export interface RequestFacts {
  now: Date;
  sourceIp: string;
  secureTransport: boolean;
  region: string;
}

const PRINCIPAL_TYPE: Record<Principal['type'], string> = {
  root: 'Account',
  user: 'User',
  'assumed-role': 'AssumedRole',
  'federated-user': 'FederatedUser',
  'web-identity': 'WebIdentityUser',
  saml: 'SAMLUser',
};

type Input = Record<string, unknown>;

/** Service condition keys read from the input, by key name (lower-cased). */
const SERVICE_KEYS: Record<string, (input: Input, facts: RequestFacts, resources: BoundResource[]) => string | string[] | undefined> = {
  'iam:policyarn': (i) => str(i.PolicyArn),
  'iam:permissionsboundary': (i, _f, r) => str(i.PermissionsBoundary) ?? r.find((x) => x.entity?.PermissionsBoundary)?.entity?.PermissionsBoundary?.PermissionsBoundaryArn,
  'iam:awsservicename': (i) => str(i.AWSServiceName),
  'ec2:region': (_i, f) => f.region,
  'sts:externalid': (i) => str(i.ExternalId),
  'sts:rolesessionname': (i) => str(i.RoleSessionName),
  'sts:sourceidentity': (i) => str(i.SourceIdentity),
  'sts:transitivetagkeys': (i) => (Array.isArray(i.TransitiveTagKeys) ? (i.TransitiveTagKeys as string[]) : undefined),
  'sts:durationseconds': (i) => (typeof i.DurationSeconds === 'number' ? String(i.DurationSeconds) : undefined),
};

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function requestTags(input: Input): Array<{ Key: string; Value: string }> | undefined {
  const t = input.Tags;
  if (!Array.isArray(t)) return undefined;
  return t.filter((x): x is { Key: string; Value: string } => typeof x === 'object' && x !== null && typeof (x as { Key?: unknown }).Key === 'string');
}

export interface PrincipalFacts {
  tags: Array<{ Key: string; Value: string }>;
  /** For role sessions: the role's ARN (aws:PrincipalArn). */
  roleArn?: string;
  /** aws:SourceIdentity of a session that carries one. */
  sourceIdentity?: string;
}

/**
 * The context keys shared by every resource of a request (resource tags are added per resource by
 * `resourceTagContext`).
 */
export function requestContext(
  principal: Principal,
  key: AccessKeyRecord | undefined,
  pf: PrincipalFacts,
  facts: RequestFacts,
  def: ActionDef | undefined,
  input: Input,
  resources: BoundResource[],
): ContextInput {
  // Keys are written lower-cased (the engine looks them up that way); displayName() restores
  // AWS's spelling for the decoded authorization message.
  const c: ContextInput = {
    'aws:currenttime': facts.now,
    'aws:epochtime': Math.floor(facts.now.getTime() / 1000),
    'aws:sourceip': facts.sourceIp,
    'aws:securetransport': facts.secureTransport,
    'aws:requestedregion': facts.region,
    'aws:principalarn': pf.roleArn ?? principal.arn,
    'aws:principalaccount': principal.accountId,
    'aws:principaltype': PRINCIPAL_TYPE[principal.type],
    'aws:userid': principal.userId,
    'aws:viaawsservice': false,
    'aws:principalisawsservice': false,
  };
  if (principal.type === 'user') c['aws:username'] = principal.name;
  if (pf.sourceIdentity !== undefined) c['aws:sourceidentity'] = pf.sourceIdentity;
  for (const t of pf.tags) c[`aws:principaltag/${t.Key.toLowerCase()}`] = t.Value;
  if (key?.sessionToken !== undefined) {
    c['aws:multifactorauthpresent'] = key.mfaAuthenticated === true;
    c['aws:tokenissuetime'] = new Date(key.createDate);
    if (key.mfaAuthenticated) {
      const at = Date.parse(key.mfaAuthenticatedAt ?? key.createDate);
      c['aws:multifactorauthage'] = Math.max(0, Math.floor((facts.now.getTime() - at) / 1000));
    }
  }
  if (!def) return c;
  const keys = conditionKeysOf(def);
  if (keys.has('aws:requesttag/${tagkey}')) {
    const tags = requestTags(input);
    if (tags) for (const t of tags) c[`aws:requesttag/${t.Key.toLowerCase()}`] = t.Value;
  }
  if (keys.has('aws:tagkeys')) {
    const tags = requestTags(input);
    if (tags) c['aws:tagkeys'] = tags.map((t) => t.Key);
    else if (Array.isArray(input.TagKeys)) c['aws:tagkeys'] = input.TagKeys as string[];
  }
  for (const k of keys) {
    const get = SERVICE_KEYS[k];
    if (!get) continue;
    const v = get(input, facts, resources);
    if (v !== undefined) c[k] = v;
  }
  return c;
}

const keysCache = new WeakMap<ActionDef, Set<string>>();
/** The condition keys an action supports (its own and its resource types'), lower-cased. */
function conditionKeysOf(def: ActionDef): Set<string> {
  let keys = keysCache.get(def);
  if (!keys) {
    keys = new Set(def.conditionKeys.map((k) => k.toLowerCase()));
    for (const rt of def.resourceTypes) for (const k of rt.conditionKeys) keys.add(k.toLowerCase());
    keysCache.set(def, keys);
  }
  return keys;
}

/** The addressed resource's tags (aws:ResourceTag/<k>, and iam:ResourceTag/<k> for IAM), or undefined. */
export function resourceTagContext(resource: BoundResource, prefix: string): ContextInput | undefined {
  const tags = resource.entity?.Tags;
  if (!tags || tags.length === 0) return undefined;
  const c: ContextInput = {};
  for (const t of tags) {
    const k = t.Key.toLowerCase();
    c[`aws:resourcetag/${k}`] = t.Value;
    if (prefix === 'iam') c[`iam:resourcetag/${k}`] = t.Value;
  }
  return c;
}

const DISPLAY: Record<string, string> = Object.fromEntries(
  [
    'aws:CurrentTime', 'aws:EpochTime', 'aws:SourceIp', 'aws:SecureTransport', 'aws:RequestedRegion', 'aws:PrincipalArn',
    'aws:PrincipalAccount', 'aws:PrincipalType', 'aws:userid', 'aws:username', 'aws:ViaAWSService', 'aws:PrincipalIsAWSService',
    'aws:MultiFactorAuthPresent', 'aws:MultiFactorAuthAge', 'aws:TokenIssueTime', 'aws:TagKeys', 'aws:SourceIdentity', 'iam:PolicyARN',
    'iam:PermissionsBoundary', 'iam:AWSServiceName', 'ec2:Region', 'sts:ExternalId', 'sts:RoleSessionName',
    'sts:SourceIdentity', 'sts:TransitiveTagKeys', 'sts:DurationSeconds',
  ].map((k) => [k.toLowerCase(), k]),
);
const DISPLAY_PREFIX: Array<[string, string]> = [
  ['aws:principaltag/', 'aws:PrincipalTag/'],
  ['aws:requesttag/', 'aws:RequestTag/'],
  ['aws:resourcetag/', 'aws:ResourceTag/'],
  ['iam:resourcetag/', 'iam:ResourceTag/'],
];

/** AWS's spelling of a (lower-cased) context key, for messages. */
export function displayName(lowerKey: string): string {
  const d = DISPLAY[lowerKey];
  if (d) return d;
  for (const [p, q] of DISPLAY_PREFIX) if (lowerKey.startsWith(p)) return q + lowerKey.slice(p.length);
  return lowerKey;
}

type Value = ContextInput[string];

function render(v: Exclude<Value, undefined>): readonly string[] {
  if (Array.isArray(v)) return v as readonly string[];
  if (typeof v === 'string') return [v];
  if (typeof v === 'boolean') return [v ? 'true' : 'false'];
  if (typeof v === 'number') return [String(v)];
  const iso = (v as Date).toISOString();
  return [iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso];
}

/**
 * The policy engine's ContextKeys over a request's lower-cased ContextInput (plus an optional
 * overlay: the addressed resource's tags), rendered lazily: a request usually reads one or two keys
 * (`aws:username` for a `${aws:username}` resource), so values become strings only when a
 * condition or variable asks (makeContext renders every key up front, which cost more than the
 * decision itself). Same semantics as makeContext: names are case-insensitive, arrays are
 * multivalued, `undefined` is absent.
 */
export class FactsContext implements ContextKeys {
  private memo: Map<string, readonly string[] | undefined> | undefined;

  constructor(
    readonly values: ContextInput,
    readonly overlay?: ContextInput,
  ) {}

  private raw(key: string): Value {
    let v = this.overlay?.[key] ?? this.values[key];
    if (v === undefined) {
      const lk = key.toLowerCase();
      if (lk !== key) v = this.overlay?.[lk] ?? this.values[lk];
    }
    return v;
  }

  get(key: string): readonly string[] | undefined {
    const memo = (this.memo ??= new Map());
    if (memo.has(key)) return memo.get(key);
    const v = this.raw(key);
    const out = v === undefined ? undefined : render(v);
    memo.set(key, out);
    return out;
  }

  isMulti(key: string): boolean {
    return Array.isArray(this.raw(key));
  }

  /** Every key with AWS's spelling, for messages. */
  entries(): Array<[string, Exclude<Value, undefined>]> {
    const out: Array<[string, Exclude<Value, undefined>]> = [];
    const all = this.overlay ? { ...this.values, ...this.overlay } : this.values;
    for (const [k, v] of Object.entries(all)) if (v !== undefined) out.push([displayName(k), v]);
    return out;
  }
}
