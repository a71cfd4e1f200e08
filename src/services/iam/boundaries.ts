/**
 * IAM permissions boundaries: the managed policy (customer or AWS managed) that caps a user's or a
 * role's identity-based permissions. Set with CreateUser/CreateRole's `PermissionsBoundary` or
 * Put{User,Role}PermissionsBoundary, cleared with Delete{User,Role}PermissionsBoundary; shown by
 * GetUser/GetRole as `PermissionsBoundary { PermissionsBoundaryType: "PermissionsBoundaryPolicy",
 * PermissionsBoundaryArn }`. The boundary lives in the user or role record itself; policies count
 * their uses from there (PermissionsBoundaryUsageCount, see policies.ts). The role handlers are in
 * roles.ts; the user handlers here (users.ts belongs to the users module).
 *
 * Fidelity notes:
 * - A boundary must name an existing managed policy of the account or an AWS managed policy. A string
 *   that is not a policy ARN is InvalidInput "ARN <arn> is not valid."; a policy that does not exist
 *   (or belongs to another account) is NoSuchEntity "Scope ARN: <arn> does not exist or is not
 *   attachable." (IAM's words).
 * - The user or role is looked up first (NoSuchEntity "The user with name X cannot be found.").
 * - Delete{User,Role}PermissionsBoundary on an entity without a boundary succeeds without change.
 *
 * Gaps: service-linked roles (which refuse boundaries on AWS) do not exist here yet.
 */
import type { ReadTx } from '../../store/types.js';
import { InvalidInputException, NoSuchEntityException, type AttachedPermissionsBoundary, type IamHandlers } from '../../generated/iam.js';
import { KIND_USER, getUser, userKey, type UserRecord } from './state.js';
import { findPolicy, isPolicyArn } from './managed.js';
import type { HandlerContext } from '../../gateway/context.js';

/**
 * The boundary `arn` names, as users and roles keep it; throws IAM's InvalidInput (not a policy ARN)
 * or NoSuchEntity (no such managed policy). For CreateUser / CreateRole / Put*PermissionsBoundary.
 */
export async function resolveBoundary(tx: ReadTx, accountId: string, arn: string): Promise<AttachedPermissionsBoundary> {
  if (!isPolicyArn(arn)) throw new InvalidInputException(`ARN ${arn} is not valid.`);
  const p = await findPolicy(tx, accountId, arn);
  if (!p) throw new NoSuchEntityException(`Scope ARN: ${arn} does not exist or is not attachable.`);
  return { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: p.Arn };
}

async function requireUser(ctx: HandlerContext, name: string): Promise<UserRecord> {
  const u = await getUser(ctx.tx, ctx.accountId, name);
  if (!u) throw new NoSuchEntityException(`The user with name ${name} cannot be found.`);
  return u;
}

export const boundaryHandlers: IamHandlers = {
  async PutUserPermissionsBoundary(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const b = await resolveBoundary(ctx.tx, ctx.accountId, input.PermissionsBoundary);
    await ctx.tx.put(ctx.accountId, KIND_USER, userKey(u.UserName), { ...u, PermissionsBoundary: b });
  },

  async DeleteUserPermissionsBoundary(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    if (!u.PermissionsBoundary) return;
    const { PermissionsBoundary: _dropped, ...rest } = u;
    await ctx.tx.put(ctx.accountId, KIND_USER, userKey(u.UserName), rest);
  },
};
