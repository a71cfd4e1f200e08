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
 * Service-linked roles (CreateServiceLinkedRole, DeleteServiceLinkedRole, GetServiceLinkedRoleDeletionStatus):
 * - Only the services in SERVICE_LINKED_ROLES (the ones Nimbus emulates or will: ELB, EC2 Auto Scaling, EC2
 *   Spot and Spot Fleet, CloudWatch Events / CloudWatch alarm actions) can own one; their role names and
 *   AWS managed policies are those AWS's documentation gives. Any other service name is InvalidInput (By
 *   design: AWS knows hundreds of services; Nimbus names the ones it emulates in the message).
 * - The role: path `/aws-service-role/<service>/`, a trust policy allowing the service principal
 *   sts:AssumeRole, the service's AWS managed policy attached, the Description given (none otherwise),
 *   MaxSessionDuration 3600. `LinkedService` in the record marks it (a role created with CreateRole under
 *   that path is an ordinary role).
 * - CustomSuffix: only EC2 Auto Scaling accepts one (`AWSServiceRoleForAutoScaling_<suffix>`); elsewhere
 *   InvalidInput "Custom suffix is not allowed for <service>". A name in use: InvalidInput "Service role
 *   name X has been taken in this account, please try a different suffix." (AWS's texts).
 * - A service-linked role is changed only by AWS: UpdateAssumeRolePolicy, DeleteRole, Put/DeleteRolePolicy,
 *   Put/DeleteRolePermissionsBoundary, and Attach/DetachRolePolicy (guardServiceLinkedRoles) answer
 *   UnmodifiableEntity "Cannot perform the operation on the protected role 'X' - this role is only
 *   modifiable by AWS". Its description (UpdateRole, UpdateRoleDescription) and tags can be edited.
 * - DeleteServiceLinkedRole deletes at once (By design: AWS deletes asynchronously) and returns
 *   `task/aws-service-role/<service>/<role>/<uuid>`; GetServiceLinkedRoleDeletionStatus answers SUCCEEDED,
 *   or FAILED with a reason when the role could not go (it is in an instance profile).
 * - Unverified against AWS: the InvalidInput texts for an unknown service, a non-service-linked role
 *   given to DeleteServiceLinkedRole, a name over 64 characters and a malformed deletion task id, and the
 *   NoSuchEntity text for an unknown task.
 *
 * Gaps: principals in trust policies are checked for form only (IAM also rejects ARNs of users/roles
 * that do not exist). RoleLastUsed stays empty until the authorizer records use in `RoleLastUsed`.
 */
import { randomUUID } from 'node:crypto';
import { newUniqueId } from '../../accounts/ids.js';
import type { ReadTx } from '../../store/types.js';
import { isProblem, parsePolicy, policySize } from '../../policy/index.js';
import type { AttachedPermissionsBoundary, IamHandlers, Role, Tag } from '../../generated/iam.js';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  InvalidInputException,
  LimitExceededException,
  NoSuchEntityException,
  UnmodifiableEntityException,
} from '../../generated/iam.js';
import type { HandlerContext } from '../../gateway/context.js';
import { type InlinePolicyRecord } from './groups.js';
import { checkDuplicateTags, encodePolicyDocument, listPage, policyError, tagOperations } from './common.js';
import { roleBlockers as instanceProfileBlockers } from './instance-profiles.js';
import {
  ATTACHED_KIND,
  KIND_POLICY_ATTACHMENT,
  attachKey,
  attachedCount,
  attachedPolicies,
  reverseRecord,
  type AttachmentRecord,
} from './managed.js';
import { getAwsManagedPolicy } from './aws-managed.js';
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
  /** Service-linked roles: the service principal that owns the role (only AWS may change it). */
  LinkedService?: string;
}

const roleKey = (name: string) => name.toLowerCase();
const noSuchRole = (name: string) => new NoSuchEntityException(`The role with name ${name} cannot be found.`);

// ---------------------------------------------------------------------------------------------
// Exports for the authorizer and STS.

export async function getRole(tx: ReadTx, accountId: string, roleName: string): Promise<RoleRecord | undefined> {
  return tx.get<RoleRecord>(accountId, KIND_ROLE, roleKey(roleName));
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[^/]+\/)*([\w+=,.@-]+)$/;

/** The account a role ARN belongs to, or undefined when the string is not a role ARN. */
export function roleArnAccount(arn: string): string | undefined {
  return ROLE_ARN.exec(arn)?.[1];
}

/**
 * The role a role ARN names exactly (path included), in whichever account of this Nimbus holds it
 * (AssumeRole and the federation operations address roles of other accounts).
 */
export async function roleByArn(tx: ReadTx, arn: string): Promise<{ accountId: string; role: RoleRecord } | undefined> {
  const m = ROLE_ARN.exec(arn);
  if (!m) return undefined;
  const role = await getRole(tx, m[1]!, m[2]!);
  return role && role.Arn === arn ? { accountId: m[1]!, role } : undefined;
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

/** A role the caller may change: not service-linked (only AWS changes those). */
async function requireModifiableRole(ctx: HandlerContext, name: string): Promise<RoleRecord> {
  const r = await requireRole(ctx, name);
  if (r.LinkedService !== undefined) throw protectedRole(r.RoleName);
  return r;
}

const protectedRole = (name: string) =>
  new UnmodifiableEntityException(`Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`);

function checkTrust(doc: string): void {
  const parsed = parsePolicy(doc, 'trust', { kind: 'trust' });
  if (isProblem(parsed)) throw policyError(parsed);
}


async function putRole(ctx: HandlerContext, r: RoleRecord): Promise<void> {
  await ctx.tx.put(ctx.accountId, KIND_ROLE, roleKey(r.RoleName), r);
}

const roleTags = tagOperations<{ RoleName: string }>(async (input, ctx) => {
  const r = await requireRole(ctx, input.RoleName);
  return { tags: r.Tags, save: (tags) => putRole(ctx, { ...r, Tags: tags }) };
}, 'TagsPerRole');

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
    const r = await requireModifiableRole(ctx, input.RoleName);
    checkTrust(input.PolicyDocument);
    r.AssumeRolePolicyDocument = input.PolicyDocument;
    await putRole(ctx, r);
  },

  async DeleteRole(input, ctx) {
    const r = await requireModifiableRole(ctx, input.RoleName);
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
    const r = await requireModifiableRole(ctx, input.RoleName);
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
    const r = await requireModifiableRole(ctx, input.RoleName);
    if (!(await ctx.tx.delete(ctx.accountId, KIND_ROLE_POLICY, `${roleKey(r.RoleName)}/${input.PolicyName}`))) {
      throw new NoSuchEntityException(`The role policy with name ${input.PolicyName} cannot be found.`);
    }
  },

  async PutRolePermissionsBoundary(input, ctx) {
    const r = await requireModifiableRole(ctx, input.RoleName);
    r.PermissionsBoundary = await resolveBoundary(ctx.tx, ctx.accountId, input.PermissionsBoundary);
    await putRole(ctx, r);
  },

  async DeleteRolePermissionsBoundary(input, ctx) {
    const r = await requireModifiableRole(ctx, input.RoleName);
    if (!r.PermissionsBoundary) return;
    delete r.PermissionsBoundary;
    await putRole(ctx, r);
  },

  TagRole: roleTags.tag,
  UntagRole: roleTags.untag,
  ListRoleTags: roleTags.list,
};

// ---------------------------------------------------------------------------------------------
// Service-linked roles

export interface ServiceLinkedRoleDef {
  /** The service principal (`AWSServiceName`). */
  service: string;
  /** The role AWS creates for it. */
  roleName: string;
  /** The AWS managed policy attached to the role. */
  policyArn: string;
  /** Whether CreateServiceLinkedRole accepts a CustomSuffix (`<roleName>_<suffix>`). */
  customSuffix: boolean;
}

const SLR_POLICY = 'arn:aws:iam::aws:policy/aws-service-role/';

/**
 * The services Nimbus emulates that own service-linked roles, from each service's "Using
 * service-linked roles" page (ELB User Guide, EC2 Auto Scaling User Guide, EC2 User Guide for Spot
 * Instances and Spot Fleet, CloudWatch/EventBridge User Guides: the CloudWatch Events role also
 * performs CloudWatch alarms' EC2 actions).
 */
export const SERVICE_LINKED_ROLES: readonly ServiceLinkedRoleDef[] = [
  {
    service: 'elasticloadbalancing.amazonaws.com',
    roleName: 'AWSServiceRoleForElasticLoadBalancing',
    policyArn: `${SLR_POLICY}AWSElasticLoadBalancingServiceRolePolicy`,
    customSuffix: false,
  },
  {
    service: 'autoscaling.amazonaws.com',
    roleName: 'AWSServiceRoleForAutoScaling',
    policyArn: `${SLR_POLICY}AutoScalingServiceRolePolicy`,
    customSuffix: true,
  },
  {
    service: 'spot.amazonaws.com',
    roleName: 'AWSServiceRoleForEC2Spot',
    policyArn: `${SLR_POLICY}AWSEC2SpotServiceRolePolicy`,
    customSuffix: false,
  },
  {
    service: 'spotfleet.amazonaws.com',
    roleName: 'AWSServiceRoleForEC2SpotFleet',
    policyArn: `${SLR_POLICY}AWSEC2SpotFleetServiceRolePolicy`,
    customSuffix: false,
  },
  {
    service: 'events.amazonaws.com',
    roleName: 'AWSServiceRoleForCloudWatchEvents',
    policyArn: `${SLR_POLICY}CloudWatchEventsServiceRolePolicy`,
    customSuffix: false,
  },
];

export const KIND_SLR_DELETION_TASK = 'iam.slrDeletionTask';

interface DeletionTaskRecord {
  Status: 'SUCCEEDED' | 'FAILED';
  RoleName: string;
  CreateDate: string;
  Reason?: string;
}

const TASK_RE = /^task\/aws-service-role\/[\w.+=,@-]+\/[\w+=,.@-]+\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether a role is service-linked (only AWS may change it). */
export function isServiceLinked(r: RoleRecord): boolean {
  return r.LinkedService !== undefined;
}

/** The service-linked role definition for a service principal, if Nimbus knows it. */
export function serviceLinkedRoleDef(service: string): ServiceLinkedRoleDef | undefined {
  return SERVICE_LINKED_ROLES.find((d) => d.service === service);
}

/** The trust policy AWS gives a service-linked role. */
function serviceTrustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

/** Attaches an AWS managed policy to a role through the attachment index (managed.ts's layout). */
async function attachAwsPolicy(ctx: HandlerContext, r: RoleRecord, arn: string): Promise<void> {
  const a = getAwsManagedPolicy(arn);
  if (!a) throw new Error(`AWS managed policy ${arn} is missing from models/aws-managed-policies.json`);
  const pk = attachKey(a);
  const k = roleKey(r.RoleName);
  const att: AttachmentRecord = { PolicyArn: a.Arn, PolicyName: a.PolicyName, Path: a.Path };
  await ctx.tx.put(ctx.accountId, ATTACHED_KIND.role, `${k}/${pk}`, att);
  await ctx.tx.put(
    ctx.accountId,
    KIND_POLICY_ATTACHMENT,
    `${pk}/role/${k}`,
    reverseRecord({ type: 'role', name: r.RoleName, id: r.RoleId, path: r.Path }),
  );
}

/** Detaches every managed policy from a role (AWS managed ones only: a service-linked role has no others). */
async function detachAll(ctx: HandlerContext, r: RoleRecord): Promise<void> {
  const k = roleKey(r.RoleName);
  for (const a of await attachedPolicies(ctx.tx, ctx.accountId, 'role', r.RoleName)) {
    const pk = attachKey({ PolicyName: a.PolicyName, Arn: a.PolicyArn });
    await ctx.tx.delete(ctx.accountId, ATTACHED_KIND.role, `${k}/${pk}`);
    await ctx.tx.delete(ctx.accountId, KIND_POLICY_ATTACHMENT, `${pk}/role/${k}`);
  }
}

/**
 * Wraps other modules' role operations that AWS refuses on a service-linked role (AttachRolePolicy,
 * DetachRolePolicy): handlers.ts spreads `guardServiceLinkedRoles(policyHandlers)` after them.
 */
export function guardServiceLinkedRoles(handlers: IamHandlers): IamHandlers {
  const out: IamHandlers = {};
  const attach = handlers.AttachRolePolicy;
  const detach = handlers.DetachRolePolicy;
  if (attach) {
    out.AttachRolePolicy = async (input, ctx) => {
      await requireModifiableRole(ctx, input.RoleName);
      return attach(input, ctx);
    };
  }
  if (detach) {
    out.DetachRolePolicy = async (input, ctx) => {
      await requireModifiableRole(ctx, input.RoleName);
      return detach(input, ctx);
    };
  }
  return out;
}

export const serviceLinkedRoleHandlers: IamHandlers = {
  async CreateServiceLinkedRole(input, ctx) {
    const def = serviceLinkedRoleDef(input.AWSServiceName);
    if (!def) {
      throw new InvalidInputException(
        `Nimbus does not emulate service-linked roles for ${input.AWSServiceName}; it knows ${SERVICE_LINKED_ROLES.map((d) => d.service).join(', ')}.`,
      );
    }
    if (input.CustomSuffix !== undefined && !def.customSuffix) {
      throw new InvalidInputException(`Custom suffix is not allowed for ${def.service}`);
    }
    const name = input.CustomSuffix !== undefined ? `${def.roleName}_${input.CustomSuffix}` : def.roleName;
    if (name.length > 64) throw new InvalidInputException(`The role name ${name} is longer than 64 characters.`);
    if (await getRole(ctx.tx, ctx.accountId, name)) {
      throw new InvalidInputException(`Service role name ${name} has been taken in this account, please try a different suffix.`);
    }
    if ((await ctx.tx.count(ctx.accountId, KIND_ROLE)) >= ROLES_PER_ACCOUNT) {
      throw new LimitExceededException(`Cannot exceed quota for RolesPerAccount: ${ROLES_PER_ACCOUNT}`);
    }
    const path = `/aws-service-role/${def.service}/`;
    const r: RoleRecord = {
      RoleName: name,
      RoleId: newUniqueId('AROA'),
      Arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
      Path: path,
      CreateDate: ctx.now.toISOString(),
      AssumeRolePolicyDocument: serviceTrustPolicy(def.service),
      MaxSessionDuration: DEFAULT_MAX_SESSION_DURATION,
      LinkedService: def.service,
    };
    if (input.Description !== undefined) r.Description = input.Description;
    await ctx.tx.put(ctx.accountId, KIND_ROLE, roleKey(name), r);
    await attachAwsPolicy(ctx, r, def.policyArn);
    return { Role: roleOut(r, 'create') };
  },

  async DeleteServiceLinkedRole(input, ctx) {
    const r = await requireRole(ctx, input.RoleName);
    if (r.LinkedService === undefined) {
      throw new InvalidInputException(`Role ${r.RoleName} is not a service-linked role.`);
    }
    const taskId = `task/aws-service-role/${r.LinkedService}/${r.RoleName}/${randomUUID()}`;
    const task: DeletionTaskRecord = { Status: 'SUCCEEDED', RoleName: r.RoleName, CreateDate: ctx.now.toISOString() };
    const inProfile = await instanceProfileBlockers(ctx.tx, ctx.accountId, r.RoleName);
    if (inProfile) {
      task.Status = 'FAILED';
      task.Reason = inProfile;
    } else {
      const k = roleKey(r.RoleName);
      await detachAll(ctx, r);
      for (const p of await ctx.tx.list(ctx.accountId, KIND_ROLE_POLICY, { prefix: `${k}/` })) {
        await ctx.tx.delete(ctx.accountId, KIND_ROLE_POLICY, p.key);
      }
      await ctx.tx.delete(ctx.accountId, KIND_ROLE, k);
    }
    await ctx.tx.put(ctx.accountId, KIND_SLR_DELETION_TASK, taskId, task);
    return { DeletionTaskId: taskId };
  },

  async GetServiceLinkedRoleDeletionStatus(input, ctx) {
    if (!TASK_RE.test(input.DeletionTaskId)) {
      throw new InvalidInputException(`Invalid deletion task id: ${input.DeletionTaskId}`);
    }
    const task = await ctx.tx.get<DeletionTaskRecord>(ctx.accountId, KIND_SLR_DELETION_TASK, input.DeletionTaskId);
    if (!task) throw new NoSuchEntityException(`Deletion task ${input.DeletionTaskId} cannot be found.`);
    return task.Reason !== undefined ? { Status: task.Status, Reason: { Reason: task.Reason } } : { Status: task.Status };
  },
};
