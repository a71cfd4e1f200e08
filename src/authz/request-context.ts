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
}

/**
 * The context keys shared by every resource of a request (resource tags are added per resource by
 * `withResourceTags`).
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
  const c: ContextInput = {
    'aws:CurrentTime': facts.now,
    'aws:EpochTime': Math.floor(facts.now.getTime() / 1000),
    'aws:SourceIp': facts.sourceIp,
    'aws:SecureTransport': facts.secureTransport,
    'aws:RequestedRegion': facts.region,
    'aws:PrincipalArn': pf.roleArn ?? principal.arn,
    'aws:PrincipalAccount': principal.accountId,
    'aws:PrincipalType': PRINCIPAL_TYPE[principal.type],
    'aws:userid': principal.userId,
    'aws:ViaAWSService': false,
    'aws:PrincipalIsAWSService': false,
  };
  if (principal.type === 'user') c['aws:username'] = principal.name;
  for (const t of pf.tags) c[`aws:PrincipalTag/${t.Key}`] = t.Value;
  if (key?.sessionToken !== undefined) {
    c['aws:MultiFactorAuthPresent'] = key.mfaAuthenticated === true;
    c['aws:TokenIssueTime'] = new Date(key.createDate);
    if (key.mfaAuthenticated) {
      const at = Date.parse((key as { mfaAuthenticatedAt?: string }).mfaAuthenticatedAt ?? key.createDate);
      c['aws:MultiFactorAuthAge'] = Math.max(0, Math.floor((facts.now.getTime() - at) / 1000));
    }
  }
  if (!def) return c;
  const keys = new Set(def.conditionKeys.map((k) => k.toLowerCase()));
  for (const rt of def.resourceTypes) for (const k of rt.conditionKeys) keys.add(k.toLowerCase());
  if (keys.has('aws:requesttag/${tagkey}')) {
    const tags = requestTags(input);
    if (tags) for (const t of tags) c[`aws:RequestTag/${t.Key}`] = t.Value;
  }
  if (keys.has('aws:tagkeys')) {
    const tags = requestTags(input);
    if (tags) c['aws:TagKeys'] = tags.map((t) => t.Key);
    else if (Array.isArray(input.TagKeys)) c['aws:TagKeys'] = input.TagKeys as string[];
  }
  for (const k of keys) {
    const get = SERVICE_KEYS[k];
    if (!get) continue;
    const v = get(input, facts, resources);
    if (v !== undefined) c[k] = v;
  }
  return c;
}

/** The request context plus the addressed resource's tags (aws:ResourceTag/<k>, iam:ResourceTag/<k>). */
export function withResourceTags(base: ContextInput, resource: BoundResource, prefix: string): ContextInput {
  const tags = resource.entity?.Tags;
  if (!tags || tags.length === 0) return base;
  const c: ContextInput = { ...base };
  for (const t of tags) {
    c[`aws:ResourceTag/${t.Key}`] = t.Value;
    if (prefix === 'iam') c[`iam:ResourceTag/${t.Key}`] = t.Value;
  }
  return c;
}
