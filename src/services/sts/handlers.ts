/**
 * STS handlers.
 *
 * Fidelity notes:
 * - GetCallerIdentity needs no permission (AWS never denies it).
 * - GetSessionToken: 900..129600 s for IAM users (default 43200); for the account root the session
 *   is capped at one hour ("If the duration is longer than one hour, the session for AWS account
 *   owners defaults to one hour", STS API Reference). It cannot be called with temporary
 *   credentials. The credentials are the caller's identity again (GetCallerIdentity shows the
 *   same ARN); without MFA they cannot call IAM (the gateway refuses them, see pipeline.ts).
 * - GetAccessKeyInfo decodes the account from the key id itself, as AWS does, for any key id of
 *   the AKIA/ASIA form, whether or not Nimbus issued it.
 *
 * Gaps: MFA (SerialNumber/TokenCode) arrives with the IAM MFA devices; until then a request that
 * carries them is refused as not implemented rather than accepted unchecked.
 */
import { randomBytes } from 'node:crypto';
import type { StsHandlers } from '../../generated/sts.js';
import { ServiceError } from '../../gateway/errors.js';
import { accountFromAccessKeyId, newAccessKeyId, newSecretAccessKey } from '../../accounts/ids.js';
import { getAccessKey, putAccessKey } from '../../accounts/accounts.js';

const ROOT_MAX_SESSION = 3600;
const DEFAULT_SESSION = 43200;

/** An opaque session token, long and base64 like AWS's. */
function newSessionToken(): string {
  return 'IQoJb3JpZ2luX2Vj' + randomBytes(240).toString('base64');
}

export const stsHandlers: StsHandlers = {
  async GetCallerIdentity(_input, ctx) {
    return { UserId: ctx.principal.userId, Account: ctx.principal.accountId, Arn: ctx.principal.arn };
  },

  async GetSessionToken(input, ctx) {
    if (ctx.principal.sessionToken !== undefined) {
      throw new ServiceError('AccessDenied', 'Cannot call GetSessionToken with session credentials', 403);
    }
    if (input.SerialNumber !== undefined || input.TokenCode !== undefined) {
      throw new ServiceError('NotImplemented', 'Nimbus does not check MFA codes for GetSessionToken yet.', 501, { senderFault: false });
    }
    const caller = await getAccessKey(ctx.tx, ctx.principal.accessKeyId);
    if (!caller) throw new ServiceError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    let duration = input.DurationSeconds ?? DEFAULT_SESSION;
    if (ctx.principal.type === 'root') duration = Math.min(duration, ROOT_MAX_SESSION);
    const expiration = new Date(ctx.now.getTime() + duration * 1000);
    const rec = {
      accessKeyId: newAccessKeyId(ctx.accountId, true),
      secretAccessKey: newSecretAccessKey(),
      accountId: ctx.accountId,
      owner: caller.owner,
      status: 'Active' as const,
      createDate: ctx.now.toISOString(),
      sessionToken: newSessionToken(),
      expiration: expiration.toISOString(),
      issuedBy: 'GetSessionToken' as const,
      mfaAuthenticated: false,
    };
    await putAccessKey(ctx.tx, rec);
    return { Credentials: { AccessKeyId: rec.accessKeyId, SecretAccessKey: rec.secretAccessKey, SessionToken: rec.sessionToken, Expiration: expiration } };
  },

  async GetAccessKeyInfo(input) {
    const account = accountFromAccessKeyId(input.AccessKeyId);
    if (!account) throw new ServiceError('ValidationError', `The access key ID ${input.AccessKeyId} is not valid.`, 400);
    return { Account: account };
  },
};
