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
 * - GetSessionToken with SerialNumber + TokenCode: the device must be an enabled MFA device of the
 *   calling user, else AccessDenied "MultiFactorAuthentication failed, unable to validate MFA code.
 *   Please verify your MFA serial number is valid and associated with this user." (two spaces after
 *   "code.", as AWS writes it); a wrong code, or one already accepted for the device, is AccessDenied
 *   "MultiFactorAuthentication failed with invalid MFA one time pass code.". The session then records
 *   `mfaAuthenticated` and `mfaAuthenticatedAt` (aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge).
 *   Codes are checked by src/services/iam/mfa.ts (RFC 6238, current step ±1, no replay).
 * - GetAccessKeyInfo decodes the account from the key id itself, as AWS does, for any key id of
 *   the AKIA/ASIA form, whether or not Nimbus issued it.
 *
 * Unverified: the text for SerialNumber without TokenCode (or the reverse), "MultiFactorAuthentication
 * failed, must provide both MFA serial number and one time pass code.", is inferred from clients that
 * match on its second half. The root's MFA devices are assigned only in the console, so a root caller
 * naming a device is always refused as for a device not associated with the caller.
 */
import type { StsHandlers } from '../../generated/sts.js';
import { ServiceError } from '../../gateway/errors.js';
import { accountFromAccessKeyId, newAccessKeyId, newSecretAccessKey } from '../../accounts/ids.js';
import { getAccessKey, putAccessKey, type AccessKeyRecord } from '../../accounts/accounts.js';
import { checkMfaCode } from '../iam/mfa.js';
import { getMessageKey } from '../../authz/secrets.js';
import { decodeAuthorizationMessage } from '../../policy/messages.js';
import { InvalidAuthorizationMessageException } from '../../generated/sts.js';
import { newSessionToken, requireStsRegion, sessionHandlers } from './sessions.js';

const ROOT_MAX_SESSION = 3600;
const DEFAULT_SESSION = 43200;


export const stsHandlers: StsHandlers = {
  ...sessionHandlers,

  async GetCallerIdentity(_input, ctx) {
    return { UserId: ctx.principal.userId, Account: ctx.principal.accountId, Arn: ctx.principal.arn };
  },

  async GetSessionToken(input, ctx) {
    requireStsRegion(ctx.region, ctx.accountId);
    if (ctx.principal.sessionToken !== undefined) {
      throw new ServiceError('AccessDenied', 'Cannot call GetSessionToken with session credentials', 403);
    }
    const caller = await getAccessKey(ctx.tx, ctx.principal.accessKeyId);
    if (!caller) throw new ServiceError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    let mfaAuthenticated = false;
    if (input.SerialNumber !== undefined || input.TokenCode !== undefined) {
      if (input.SerialNumber === undefined || input.TokenCode === undefined) {
        throw new ServiceError('AccessDenied', 'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.', 403);
      }
      const check =
        ctx.principal.type === 'user'
          ? await checkMfaCode(ctx.tx, ctx.accountId, input.SerialNumber, input.TokenCode, ctx.now, ctx.principal.name)
          : 'no-device';
      if (check === 'no-device') {
        throw new ServiceError(
          'AccessDenied',
          'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.',
          403,
        );
      }
      if (check === 'invalid-code') throw new ServiceError('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.', 403);
      mfaAuthenticated = true;
    }
    let duration = input.DurationSeconds ?? DEFAULT_SESSION;
    if (ctx.principal.type === 'root') duration = Math.min(duration, ROOT_MAX_SESSION);
    const expiration = new Date(ctx.now.getTime() + duration * 1000);
    const rec: AccessKeyRecord = {
      accessKeyId: newAccessKeyId(ctx.accountId, true),
      secretAccessKey: newSecretAccessKey(),
      accountId: ctx.accountId,
      owner: caller.owner,
      status: 'Active',
      createDate: ctx.now.toISOString(),
      sessionToken: newSessionToken(),
      expiration: expiration.toISOString(),
      issuedBy: 'GetSessionToken',
      mfaAuthenticated,
    };
    if (mfaAuthenticated) rec.mfaAuthenticatedAt = ctx.now.toISOString();
    await putAccessKey(ctx.tx, rec);
    return { Credentials: { AccessKeyId: rec.accessKeyId, SecretAccessKey: rec.secretAccessKey, SessionToken: rec.sessionToken!, Expiration: expiration } };
  },

  async GetAccessKeyInfo(input) {
    const account = accountFromAccessKeyId(input.AccessKeyId);
    if (!account) throw new ServiceError('ValidationError', `The access key ID ${input.AccessKeyId} is not valid.`, 400);
    return { Account: account };
  },

  // Opens the encoded authorization failure messages EC2 answers UnauthorizedOperation with (sealed by
  // this installation's key, src/authz/secrets.ts). The caller needs sts:DecodeAuthorizationMessage,
  // which the pipeline checks. A message sealed elsewhere (or altered) is InvalidAuthorizationMessageException.
  async DecodeAuthorizationMessage(input, ctx) {
    const key = await getMessageKey(ctx.tx);
    const decoded = key && decodeAuthorizationMessage(input.EncodedMessage, key);
    if (decoded === undefined || decoded === '') throw new InvalidAuthorizationMessageException('Message is not valid');
    return { DecodedMessage: decoded };
  },
};
