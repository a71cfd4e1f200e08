/**
 * Turns an access key record into the Principal the rest of the pipeline sees. For a user's key the
 * user must still exist (its ARN carries the user's path).
 */
import type { ReadTx } from '../store/types.js';
import type { AccessKeyRecord } from '../accounts/accounts.js';
import type { Principal } from '../gateway/context.js';
import { getUser } from '../services/iam/state.js';

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
  }
}
