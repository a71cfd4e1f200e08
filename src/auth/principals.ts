/**
 * Turns an access key record into the Principal the rest of the pipeline sees. For a user's key the
 * user must still exist (its ARN carries the user's path).
 */
import type { ReadTx } from '../store/types.js';
import type { AccessKeyRecord } from '../accounts/accounts.js';
import type { Principal } from '../gateway/context.js';
import { getUser } from '../services/iam/state.js';

/**
 * Role sessions and federated users: `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION` with user id
 * `AROA...:SESSION`; `arn:aws:sts::ACCT:federated-user/NAME` with user id `ACCT:NAME` (STS API
 * Reference, AssumeRole and GetFederationToken).
 */
export async function principalForKey(tx: ReadTx, rec: AccessKeyRecord): Promise<Principal | undefined> {
  const base = { accountId: rec.accountId, accessKeyId: rec.accessKeyId, sessionToken: rec.sessionToken };
  switch (rec.owner.type) {
    case 'root':
      return { ...base, type: 'root', arn: `arn:aws:iam::${rec.accountId}:root`, userId: rec.accountId, name: rec.accountId };
    case 'user': {
      const user = await getUser(tx, rec.accountId, rec.owner.userName);
      if (!user || user.UserId !== rec.owner.userId) return undefined;
      return { ...base, type: 'user', arn: user.Arn, userId: user.UserId, name: user.UserName };
    }
    case 'assumed-role': {
      // The session stands on its own record: a role deleted since keeps the session valid but
      // without permissions (the authorizer finds no role), as on AWS.
      const o = rec.owner;
      return {
        ...base,
        type: 'assumed-role',
        arn: `arn:aws:sts::${rec.accountId}:assumed-role/${o.roleName}/${o.sessionName}`,
        userId: `${o.roleId}:${o.sessionName}`,
        name: o.sessionName,
        role: { arn: o.roleArn, name: o.roleName, id: o.roleId },
        session: o.session,
      };
    }
    case 'federated-user': {
      const o = rec.owner;
      return {
        ...base,
        type: 'federated-user',
        arn: `arn:aws:sts::${rec.accountId}:federated-user/${o.name}`,
        userId: `${rec.accountId}:${o.name}`,
        name: o.name,
        sourceUser: { arn: o.userArn, name: o.userName, id: o.userId },
        session: o.session,
      };
    }
  }
}
