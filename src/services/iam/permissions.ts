/**
 * What an IAM principal is allowed to do: the policy documents the authorizer evaluates for a user
 * or a role, gathered from every IAM area in one place.
 *
 * IAM User Guide, "Policy evaluation logic": a user's identity-based policies are its inline
 * policies, the managed policies attached to it, and the inline and attached policies of every
 * group it belongs to; a role session's are the role's inline and attached policies. A permissions
 * boundary (a managed policy set on the user or role) caps them.
 *
 * Ids: managed policies by ARN; inline ones as `user/<name>/<policy>`, `group/<name>/<policy>`,
 * `role/<name>/<policy>` (unique within the account, what audit records name). A managed policy that
 * reaches a user both directly and through a group (or through two groups) is listed once: the same
 * document evaluated twice decides nothing new.
 */
import type { ReadTx } from '../../store/types.js';
import { getUser } from './state.js';
import { groupsOfUser, groupPolicyDocuments } from './groups.js';
import { attachedPolicyDocuments, identityPolicyDocuments, managedPolicyDocument } from './policies.js';
import { getRole, rolePolicyDocuments } from './roles.js';

export interface PolicyDoc {
  id: string;
  /** The policy JSON as stored (not URL-encoded). */
  document: string;
}

export interface PrincipalPermissions {
  identity: PolicyDoc[];
  boundary?: PolicyDoc;
  /** The principal's tags (aws:PrincipalTag/<key>). */
  tags: Array<{ Key: string; Value: string }>;
}

async function boundaryDoc(tx: ReadTx, accountId: string, arn: string | undefined): Promise<PolicyDoc | undefined> {
  if (!arn) return undefined;
  const document = await managedPolicyDocument(tx, accountId, arn);
  // A boundary whose policy vanished would deny everything; IAM refuses to delete a policy in use
  // as a boundary, so this only guards against inconsistent state.
  return document === undefined ? undefined : { id: arn, document };
}

/** A user's permissions, or undefined when the user does not exist. */
export async function userPermissions(tx: ReadTx, accountId: string, userName: string): Promise<PrincipalPermissions | undefined> {
  const user = await getUser(tx, accountId, userName);
  if (!user) return undefined;
  const identity: PolicyDoc[] = await identityPolicyDocuments(tx, accountId, user.UserName);
  const managed = new Set(identity.map((d) => d.id));
  for (const group of await groupsOfUser(tx, accountId, user.UserName)) {
    for (const d of await groupPolicyDocuments(tx, accountId, group)) identity.push({ id: `group/${group}/${d.id}`, document: d.document });
    for (const d of await attachedPolicyDocuments(tx, accountId, 'group', group)) {
      if (managed.has(d.id)) continue;
      managed.add(d.id);
      identity.push(d);
    }
  }
  return {
    identity,
    boundary: await boundaryDoc(tx, accountId, user.PermissionsBoundary?.PermissionsBoundaryArn),
    tags: user.Tags ?? [],
  };
}

/** A role's permissions (what its sessions start from), or undefined when the role does not exist. */
export async function rolePermissions(tx: ReadTx, accountId: string, roleName: string): Promise<PrincipalPermissions | undefined> {
  const role = await getRole(tx, accountId, roleName);
  if (!role) return undefined;
  const identity: PolicyDoc[] = (await rolePolicyDocuments(tx, accountId, role.RoleName)).map((d) => ({ id: `role/${role.RoleName}/${d.id}`, document: d.document }));
  identity.push(...(await attachedPolicyDocuments(tx, accountId, 'role', role.RoleName)));
  return {
    identity,
    boundary: await boundaryDoc(tx, accountId, role.PermissionsBoundary?.PermissionsBoundaryArn),
    tags: role.Tags ?? [],
  };
}
