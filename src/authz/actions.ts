/**
 * Which IAM action an operation is authorized as, from AWS's Service Authorization Reference
 * (vendored in models/authz/<prefix>.json by scripts/vendor-authz.mjs): never typed by hand.
 *
 * Most operations are authorized as the action of the same name in the service's prefix
 * (`iam:CreateUser`). Where AWS names the action differently (S3's ListObjectsV2 is
 * `s3:ListBucket`, HeadObject is `s3:GetObject`), ACTION_OVERRIDES says so; those entries are
 * facts from the S3 User Guide's operation-to-permission table, added with the S3 handlers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR } from '../model/load.js';

export interface ResourceTypeRef {
  name: string;
  required: boolean;
  conditionKeys: string[];
  dependentActions: string[];
}

export interface ActionDef {
  accessLevel: string;
  resourceTypes: ResourceTypeRef[];
  conditionKeys: string[];
  dependentActions: string[];
}

export interface ServiceAuthz {
  prefix: string;
  actions: Record<string, ActionDef>;
  resourceTypes: Record<string, { arn: string; conditionKeys: string[] }>;
  conditionKeys: Record<string, { type: string }>;
}

/** Nimbus service id -> IAM service prefix. */
export const SERVICE_PREFIX: Record<string, string> = {
  iam: 'iam',
  sts: 'sts',
  ec2: 'ec2',
  s3: 's3',
  'service-quotas': 'servicequotas',
  rbin: 'rbin',
};

/** Operations whose action is not `<prefix>:<OperationName>`. */
const ACTION_OVERRIDES: Record<string, Record<string, string>> = {};

/** Operations AWS never authorizes (anyone holding valid credentials may call them). */
export const UNAUTHORIZED_OPERATIONS: Record<string, ReadonlySet<string>> = {
  // "No permissions are required to perform this operation" (STS API Reference, GetCallerIdentity).
  // IAM User Guide, "Permissions for GetSessionToken": "No permissions are required for a user to get
  // a session token ... You cannot use policies to control authentication operations."
  sts: new Set(['GetCallerIdentity', 'GetSessionToken']),
};

const cache = new Map<string, ServiceAuthz>();

export function serviceAuthz(prefix: string): ServiceAuthz {
  let s = cache.get(prefix);
  if (!s) {
    s = JSON.parse(readFileSync(join(MODELS_DIR, 'authz', `${prefix}.json`), 'utf8')) as ServiceAuthz;
    cache.set(prefix, s);
  }
  return s;
}

/** The action an operation is authorized as, with its reference entry; undefined if unknown. */
export function actionFor(serviceId: string, operation: string): { action: string; def: ActionDef } | undefined {
  const prefix = SERVICE_PREFIX[serviceId];
  if (!prefix) return undefined;
  const name = ACTION_OVERRIDES[serviceId]?.[operation] ?? operation;
  const def = serviceAuthz(prefix).actions[name];
  return def ? { action: `${prefix}:${name}`, def } : undefined;
}
