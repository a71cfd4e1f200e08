/**
 * STS handlers. GetCallerIdentity needs no permission (AWS never denies it).
 */
import type { StsHandlers } from '../../generated/sts.js';

export const stsHandlers: StsHandlers = {
  async GetCallerIdentity(_input, ctx) {
    return { UserId: ctx.principal.userId, Account: ctx.principal.accountId, Arn: ctx.principal.arn };
  },
};
