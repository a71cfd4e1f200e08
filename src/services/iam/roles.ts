/**
 * IAM roles: CRUD, trust (assume-role) policies, role inline policies and role tags.
 *
 * Storage (account scope; keys lower-cased, since IAM names are unique case-insensitively):
 *   iam.role          <role>            -> RoleRecord (trust policy stored exactly as sent)
 *   iam.rolePolicy    <role>/<policy>   -> { PolicyName, PolicyDocument }  (inline policies)
 *
 * Fidelity notes:
 * - Policy documents are returned URL-encoded (RFC 3986), as IAM does: CreateRole, GetRole and
 *   ListRoles (AssumeRolePolicyDocument) and GetRolePolicy. The AWS CLI and boto3 decode them;
 *   the JavaScript SDK v3 returns the encoded text.
 * - CreateRole's Role has no MaxSessionDuration or RoleLastUsed (as AWS answers); GetRole has both
 *   (RoleLastUsed empty until the authorizer records use). ListRoles omits Tags, PermissionsBoundary
 *   and RoleLastUsed, as documented.
 * - MaxSessionDuration 3600..43200 is the model's `roleMaxSessionDurationType` range, so the
 *   pipeline's model validation answers a value outside it with AWS's `ValidationError` text.
 * - Trust policies: `parsePolicy(text, 'trust')` (Principal required, Resource prohibited, only
 *   sts:AssumeRole* actions, 2048 characters: "Cannot exceed quota for ACLSizePerRole: 2048").
 * - Inline policies: 10240 non-whitespace characters per role in total.
 * - Tags: keys unique case-insensitively ("Duplicate tag keys found. Please note that Tag keys are
 *   case insensitive.", InvalidInput); TagRole overwrites a key's value; more than 50 in total is
 *   LimitExceeded "Cannot exceed quota for TagsPerRole: 50" (a single list of more than 50 is the
 *   model's ValidationError).
 * - 1000 roles per account ("Cannot exceed quota for RolesPerAccount: 1000").
 * - PermissionsBoundary (CreateRole, PutRolePermissionsBoundary) must name an existing managed policy
 *   (boundaries.ts: "ARN X is not valid." / "Scope ARN: X does not exist or is not attachable.").
 * - DeleteRole refuses, in this order, while the role has inline policies ("Cannot delete entity, must
 *   delete policies first."), attached managed policies ("Cannot delete entity, must detach all
 *   policies first.") or is in an instance profile ("Cannot delete entity, must remove roles from
 *   instance profile first."). A permissions boundary does not block it.
 *
 * Gaps: principals in trust policies are checked for form only (IAM also rejects ARNs of users/roles
 * that do not exist). RoleLastUsed stays empty until the authorizer records use in `RoleLastUsed`.
 */
import { newUniqueId } from '../../accounts/ids.js';
import type { ReadTx } from '../../store/types.js';
import { isProblem, parsePolicy, policySize } from '../../policy/index.js';
import type { AttachedPermissionsBoundary, IamHandlers, Role, Tag } from '../../generated/iam.js';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  LimitExceededException,
  NoSuchEntityException,
} from '../../generated/iam.js';
import type { HandlerContext } from '../../gateway/context.js';
import { type InlinePolicyRecord } from './groups.js';
import { checkDuplicateTags, encodePolicyDocument, listPage, mergeTags, policyError, removeTags, tagPage } from './common.js';
import { roleBlockers as instanceProfileBlockers } from './instance-profiles.js';
import { attachedCount } from './managed.js';
import { resolveBoundary } from './boundaries.js';

export const KIND_ROLE = 'iam.role';
export const KIND_ROLE_POLICY = 'iam.rolePolicy';

export const ROLES_PER_ACCOUNT = 1000;
export const DEFAULT_MAX_SESSION_DURATION = 3600;

export interface RoleRecord {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  /** The trust policy exactly as sent (not URL-encoded). */
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  PermissionsBoundary?: AttachedPermissionsBoundary;
  Tags?: Tag[];
  /** When and where the role was last used (ISO date), as the authorizer records it. */
  RoleLastUsed?: { LastUsedDate: string; Region: string };
}

const roleKey = (name: string) => name.toLowerCase();
const noSuchRole = (name: string) => new NoSuchEntityException(`The role with name ${name} cannot be found.`);

// ---------------------------------------------------------------------------------------------
// Exports for the authorizer and STS.

export async function getRole(tx: ReadTx, accountId: string, roleName: string): Promise<RoleRecord | undefined> {
  return tx.get<RoleRecord>(accountId, KIND_ROLE, roleKey(roleName));
}

/** A role's inline policies, raw JSON (not URL-encoded); `id` is the policy name. */
export async function rolePolicyDocuments(tx: ReadTx, accountId: string, roleName: string): Promise<Array<{ id: string; document: string }>> {
  const rows = await tx.list<InlinePolicyRecord>(accountId, KIND_ROLE_POLICY, { prefix: `${roleKey(roleName)}/` });
  return rows.map((r) => ({ id: r.value.PolicyName, document: r.value.PolicyDocument }));
}

// ---------------------------------------------------------------------------------------------

export type RoleView = 'create' | 'get' | 'list';

/** A role as CreateRole, GetRole (and instance profiles) or ListRoles show it. */
export function roleOut(r: RoleRecord, view: RoleView): Role {
  const out: Role = {
    Path: r.Path,
    RoleName: r.RoleName,
    RoleId: r.RoleId,
    Arn: r.Arn,
    CreateDate: new Date(r.CreateDate),
    AssumeRolePolicyDocument: encodePolicyDocument(r.AssumeRolePolicyDocument),
  };
  if (r.Description !== undefined) out.Description = r.Description;
  if (view !== 'create') out.MaxSessionDuration = r.MaxSessionDuration;
  if (view !== 'list') {
    if (r.PermissionsBoundary) out.PermissionsBoundary = r.PermissionsBoundary;
    if (r.Tags && r.Tags.length) out.Tags = r.Tags;
  }
  if (view === 'get') out.RoleLastUsed = roleLastUsed(r);
  return out;
}

/** RoleLastUsed as GetRole and GetAccountAuthorizationDetails show it: empty until the role is used. */
export function roleLastUsed(r: RoleRecord): { LastUsedDate?: Date; Region?: string } {
  return r.RoleLastUsed ? { LastUsedDate: new Date(r.RoleLastUsed.LastUsedDate), Region: r.RoleLastUsed.Region } : {};
}

async function requireRole(ctx: HandlerContext, name: string): Promise<RoleRecord> {
  const r = await getRole(ctx.tx, ctx.accountId, name);
  if (!r) throw noSuchRole(name);
  return r;
}

function checkTrust(doc: string): void {
  const parsed = parsePolicy(doc, 'trust', { kind: 'trust' });
  if (isProblem(parsed)) throw policyError(parsed);
}


async function putRole(ctx: HandlerContext, r: RoleRecord): Promise<void> {
  await ctx.tx.put(ctx.accountId, KIND_ROLE, roleKey(r.RoleName), r);
}

export const roleHandlers: IamHandlers = {
  async CreateRole(input, ctx) {
    const path = input.Path ?? '/';
    if (input.Tags) checkDuplicateTags(input.Tags);
    checkTrust(input.AssumeRolePolicyDocument);
    if ((await ctx.tx.count(ctx.accountId, KIND_ROLE)) >= ROLES_PER_ACCOUNT) {
      throw new LimitExceededException(`Cannot exceed quota for RolesPerAccount: ${ROLES_PER_ACCOUNT}`);
    }
    const r: RoleRecord = {
      RoleName: input.RoleName,
      RoleId: newUniqueId('AROA'),
      Arn: `arn:aws:iam::${ctx.accountId}:role${path}${input.RoleName}`,
      Path: path,
      CreateDate: ctx.now.toISOString(),
      AssumeRolePolicyDocument: input.AssumeRolePolicyDocument,
      MaxSessionDuration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
    };
    if (input.Description !== undefined) r.Description = input.Description;
    if (input.PermissionsBoundary !== undefined) {
      r.PermissionsBoundary = await resolveBoundary(ctx.tx, ctx.accountId, input.PermissionsBoundary);
    }
    if (input.Tags && input.Tags.length) r.Tags = input.Tags.map((t) => ({ Key: t.Key, Value: t.Value }));
    if (!(await ctx.tx.insert(ctx.accountId, KIND_ROLE, roleKey(input.RoleName), r))) {
      throw new EntityAlreadyExistsException(`Role with name ${input.RoleName} already exists.`);
    }
    return { Role: roleOut(r, 'create') };
  },

  async GetRole(input, ctx) {
    return { Role: roleOut(await requireRole(ctx, input.RoleName), 'get') };
  },

  async ListRoles(input, ctx) {
    const prefix = input.PathPrefix ?? '/';
    const page = await listPage<RoleRecord>(ctx.tx, ctx.accountId, KIND_ROLE, {
      marker: input.Marker,
      maxItems: input.MaxItems,
      filter: (r) => r.Path.startsWith(prefix),
    });
    return { Roles: page.items.map((e) => roleOut(e.value, 'list')), IsTruncated: page.truncated, Marker: page.marker };
  },

  async UpdateRole(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    if (input.Description !== undefined) r.Description = input.Description;
    if (input.MaxSessionDuration !== undefined) r.MaxSessionDuration = input.MaxSessionDuration;
    await putRole(ctx, r);
    return {};
  },

  async UpdateRoleDescription(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    r.Description = input.Description;
    await putRole(ctx, r);
    return { Role: roleOut(r, 'get') };
  },

  async UpdateAssumeRolePolicy(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    checkTrust(input.PolicyDocument);
    r.AssumeRolePolicyDocument = input.PolicyDocument;
    await putRole(ctx, r);
  },

  async DeleteRole(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    const k = roleKey(r.RoleName);
    if ((await ctx.tx.count(ctx.accountId, KIND_ROLE_POLICY, { prefix: `${k}/` })) > 0) {
      throw new DeleteConflictException('Cannot delete entity, must delete policies first.');
    }
    if ((await attachedCount(ctx.tx, ctx.accountId, 'role', r.RoleName)) > 0) {
      throw new DeleteConflictException('Cannot delete entity, must detach all policies first.');
    }
    const inProfile = await instanceProfileBlockers(ctx.tx, ctx.accountId, r.RoleName);
    if (inProfile) throw new DeleteConflictException(inProfile);
    await ctx.tx.delete(ctx.accountId, KIND_ROLE, k);
  },

  async PutRolePolicy(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    const prefix = `${roleKey(r.RoleName)}/`;
    let other = 0;
    for (const p of await ctx.tx.list<InlinePolicyRecord>(ctx.accountId, KIND_ROLE_POLICY, { prefix })) {
      if (p.value.PolicyName !== input.PolicyName) other += policySize(p.value.PolicyDocument);
    }
    const parsed = parsePolicy(input.PolicyDocument, 'identity', {
      kind: 'role-inline',
      entityName: r.RoleName,
      otherInlineChars: other,
    });
    if (isProblem(parsed)) throw policyError(parsed);
    const rec: InlinePolicyRecord = { PolicyName: input.PolicyName, PolicyDocument: input.PolicyDocument };
    await ctx.tx.put(ctx.accountId, KIND_ROLE_POLICY, prefix + input.PolicyName, rec);
  },

  async GetRolePolicy(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    const p = await ctx.tx.get<InlinePolicyRecord>(ctx.accountId, KIND_ROLE_POLICY, `${roleKey(r.RoleName)}/${input.PolicyName}`);
    if (!p) throw new NoSuchEntityException(`The role policy with name ${input.PolicyName} cannot be found.`);
    return { RoleName: r.RoleName, PolicyName: p.PolicyName, PolicyDocument: encodePolicyDocument(p.PolicyDocument) };
  },

  async ListRolePolicies(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    const page = await listPage<InlinePolicyRecord>(ctx.tx, ctx.accountId, KIND_ROLE_POLICY, {
      prefix: `${roleKey(r.RoleName)}/`,
      marker: input.Marker,
      maxItems: input.MaxItems,
    });
    return { PolicyNames: page.items.map((e) => e.value.PolicyName), IsTruncated: page.truncated, Marker: page.marker };
  },

  async DeleteRolePolicy(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    if (!(await ctx.tx.delete(ctx.accountId, KIND_ROLE_POLICY, `${roleKey(r.RoleName)}/${input.PolicyName}`))) {
      throw new NoSuchEntityException(`The role policy with name ${input.PolicyName} cannot be found.`);
    }
  },

  async PutRolePermissionsBoundary(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    r.PermissionsBoundary = await resolveBoundary(ctx.tx, ctx.accountId, input.PermissionsBoundary);
    await putRole(ctx, r);
  },

  async DeleteRolePermissionsBoundary(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    if (!r.PermissionsBoundary) return;
    delete r.PermissionsBoundary;
    await putRole(ctx, r);
  },

  async TagRole(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    r.Tags = mergeTags(r.Tags, input.Tags, 'TagsPerRole');
    await putRole(ctx, r);
  },

  async UntagRole(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    r.Tags = removeTags(r.Tags, input.TagKeys);
    await putRole(ctx, r);
  },

  async ListRoleTags(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    return tagPage(r.Tags, input);
  },
};
