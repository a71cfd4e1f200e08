/**
 * STS AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML and GetFederationToken: temporary
 * credentials for a role session or a federated user (STS API Reference; IAM User Guide, "Requesting temporary security credentials",
 * "Session policies", "Passing session tags in AWS STS", "Role chaining").
 *
 * Whether the caller may assume the role (its own policies and the role's trust policy, same- or
 * cross-account) is decided by the pipeline's authorizer before this handler runs; here are the
 * rules about the session itself:
 * - Root cannot assume roles ("Roles may not be assumed by root accounts.").
 * - DurationSeconds: 900 up to the role's MaxSessionDuration (default 3600); with role credentials
 *   (role chaining) at most one hour.
 * - SerialNumber + TokenCode: a real TOTP check against the caller's MFA device (the authorizer
 *   already evaluated the trust policy with aws:MultiFactorAuthPresent=true for such a request).
 * - Session policies (Policy, PolicyArns) narrow the session: the pipeline intersects them with the
 *   role's permissions on every request. Policy is validated as a session policy.
 * - Session tags become aws:PrincipalTag values; TransitiveTagKeys pass on through role chaining,
 *   as does SourceIdentity (which cannot be changed once set).
 * - PackedPolicySize: AWS packs policies and tags into a compressed binary form whose format is
 *   not published; Nimbus approximates it with a DEFLATE of the same material against a 2,048-byte
 *   allotment, and answers PackedPolicyTooLarge above 100% with AWS's message.
 * The session's credentials belong to the role's account (cross-account sessions included).
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { StsHandlers } from '../../generated/sts.js';
import { MalformedPolicyDocumentException, PackedPolicyTooLargeException, RegionDisabledException } from '../../generated/sts.js';
import { getRegion } from '../../regions.js';
import { ServiceError } from '../../gateway/errors.js';
import { newAccessKeyId, newSecretAccessKey } from '../../accounts/ids.js';
import { getAccessKey, putAccessKey, type AccessKeyRecord, type SessionFacts } from '../../accounts/accounts.js';
import { parsePolicy, isProblem } from '../../policy/document.js';
import { checkMfaCode } from '../iam/mfa.js';
import { KIND_ROLE, roleByArn } from '../iam/roles.js';
import { getUser } from '../iam/state.js';
import { samlSessionOf } from '../../auth/saml.js';

const CHAINED_MAX = 3600;
const PACKED_ALLOTMENT = 2048;

/** An opaque session token, long and base64 like AWS's. */
export function newSessionToken(): string {
  return 'IQoJb3JpZ2luX2Vj' + randomBytes(240).toString('base64');
}

/**
 * STS issues credentials only in Regions enabled for the account that receives them: an opt-in
 * Region the account has not enabled answers RegionDisabledException (STS API Reference), in
 * AWS's words.
 */
export function requireStsRegion(region: string, accountId: string): void {
  if (getRegion(region)?.optInStatus === 'not-opted-in') {
    throw new RegionDisabledException(
      `STS is not activated in this region for account:${accountId}. Your account administrator can activate STS in this region using the IAM Console.`,
    );
  }
}

const validation = (message: string) => new ServiceError('ValidationError', message, 400);
const accessDenied = (message: string) => new ServiceError('AccessDenied', message, 403);

function checkSessionPolicy(policy: string | undefined): void {
  if (policy === undefined) return;
  const parsed = parsePolicy(policy, 'session');
  if (isProblem(parsed)) throw new MalformedPolicyDocumentException(parsed.message);
}

/** The packed size of session policies and tags, in percent of the allotment (see the header). */
function packedPercent(policy: string | undefined, arns: string[], tags: Array<{ Key: string; Value: string }>): number | undefined {
  if (policy === undefined && arns.length === 0 && tags.length === 0) return undefined;
  const minified = policy === undefined ? '' : JSON.stringify(JSON.parse(policy));
  const material = [minified, ...arns, ...tags.map((t) => `${t.Key}=${t.Value}`)].join('\n');
  const packed = deflateRawSync(Buffer.from(material, 'utf8')).length;
  return Math.ceil((packed * 100) / PACKED_ALLOTMENT);
}

function checkPacked(percent: number | undefined): void {
  if (percent !== undefined && percent > 100) {
    throw new PackedPolicyTooLargeException(`Packed policy consumes ${percent}% of allotted space, please use smaller policy.`);
  }
}

function checkTags(tags: Array<{ Key: string; Value: string }>, transitive: string[]): void {
  const keys = new Set<string>();
  for (const t of tags) {
    const k = t.Key.toLowerCase();
    if (keys.has(k)) throw validation('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    keys.add(k);
  }
  for (const k of transitive) {
    if (!keys.has(k.toLowerCase())) throw validation(`The specified transitive tag key must be included in the requested tags.`);
  }
}

function issue(accountId: string, owner: AccessKeyRecord['owner'], now: Date, seconds: number, issuedBy: AccessKeyRecord['issuedBy'], mfaAt?: Date): AccessKeyRecord {
  const rec: AccessKeyRecord = {
    accessKeyId: newAccessKeyId(accountId, true),
    secretAccessKey: newSecretAccessKey(),
    accountId,
    owner,
    status: 'Active',
    createDate: now.toISOString(),
    sessionToken: newSessionToken(),
    expiration: new Date(now.getTime() + seconds * 1000).toISOString(),
    issuedBy,
    mfaAuthenticated: mfaAt !== undefined,
  };
  if (mfaAt) rec.mfaAuthenticatedAt = mfaAt.toISOString();
  return rec;
}

const credentialsOut = (rec: AccessKeyRecord) => ({
  AccessKeyId: rec.accessKeyId,
  SecretAccessKey: rec.secretAccessKey,
  SessionToken: rec.sessionToken!,
  Expiration: new Date(rec.expiration!),
});

/**
 * AssumeRoleWithWebIdentity: the caller was authenticated by its token (src/auth/web-identity.ts)
 * and the role's trust policy allowed it (the authorizer); here the session itself. As AssumeRole:
 * DurationSeconds 900..the role's MaxSessionDuration (default 3600), session policies (Policy,
 * PolicyArns) and their packed size. Provider is the IAM OIDC provider's ARN and Audience the token's
 * audience (`azp` when present), as AWS answers for providers registered in IAM. A source identity
 * comes from the token's `https://aws.amazon.com/source_identity` claim.
 */
async function assumeRoleWithWebIdentity(
  input: Parameters<NonNullable<StsHandlers['AssumeRoleWithWebIdentity']>>[0],
  ctx: Parameters<NonNullable<StsHandlers['AssumeRoleWithWebIdentity']>>[1],
): ReturnType<NonNullable<StsHandlers['AssumeRoleWithWebIdentity']>> {
  const p = ctx.principal;
  const fed = p.federation;
  const denied = () => accessDenied('Not authorized to perform sts:AssumeRoleWithWebIdentity');
  if (p.type !== 'web-identity' || !fed) throw denied();
  const found = await roleByArn(ctx.tx, input.RoleArn);
  // The authorizer refuses a role it cannot find (no trust policy allows), so this only guards.
  if (!found) throw denied();
  const { role, accountId: roleAccount } = found;
  requireStsRegion(ctx.region, roleAccount);
  const duration = input.DurationSeconds ?? 3600;
  if (duration > role.MaxSessionDuration) throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

  checkSessionPolicy(input.Policy);
  const arns = (input.PolicyArns ?? []).map((d) => d.arn).filter((a): a is string => typeof a === 'string');
  const packed = packedPercent(input.Policy, arns, []);
  checkPacked(packed);

  const claimPrefix = fed.provider.slice(fed.provider.indexOf(':oidc-provider/') + ':oidc-provider/'.length).toLowerCase();
  const audience = fed.context[`${claimPrefix}:aud`];
  const sourceIdentity = fed.context['sts:sourceidentity'];
  const session: SessionFacts = {};
  if (input.Policy !== undefined) session.policy = input.Policy;
  if (arns.length) session.policyArns = arns;
  if (typeof sourceIdentity === 'string') session.sourceIdentity = sourceIdentity;
  const rec = issue(
    roleAccount,
    { type: 'assumed-role', roleName: role.RoleName, roleId: role.RoleId, roleArn: role.Arn, sessionName: input.RoleSessionName, session },
    ctx.now,
    duration,
    'AssumeRoleWithWebIdentity',
  );
  await putAccessKey(ctx.tx, rec);
  // GetRole's RoleLastUsed.
  await ctx.tx.put(roleAccount, KIND_ROLE, role.RoleName.toLowerCase(), { ...role, RoleLastUsed: { LastUsedDate: ctx.now.toISOString(), Region: ctx.region } });
  return {
    Credentials: credentialsOut(rec),
    SubjectFromWebIdentityToken: p.userId,
    AssumedRoleUser: {
      AssumedRoleId: `${role.RoleId}:${input.RoleSessionName}`,
      Arn: `arn:aws:sts::${roleAccount}:assumed-role/${role.RoleName}/${input.RoleSessionName}`,
    },
    PackedPolicySize: packed,
    Provider: fed.provider,
    Audience: typeof audience === 'string' ? audience : audience?.[0],
    SourceIdentity: session.sourceIdentity,
  };
}

/**
 * AssumeRoleWithSAML: the caller was authenticated by its signed SAML response (src/auth/saml.ts)
 * and the role's trust policy allowed it (the authorizer); here the session itself. The session
 * name is the assertion's RoleSessionName attribute; DurationSeconds (else the SessionDuration
 * attribute, else 3600) up to the role's MaxSessionDuration, and never past the assertion's
 * SessionNotOnOrAfter; session policies as AssumeRole. Subject, SubjectType, Issuer, Audience (the
 * bearer confirmation's Recipient) and NameQualifier come from the verified assertion; a source
 * identity from its SourceIdentity attribute.
 */
async function assumeRoleWithSaml(
  input: Parameters<NonNullable<StsHandlers['AssumeRoleWithSAML']>>[0],
  ctx: Parameters<NonNullable<StsHandlers['AssumeRoleWithSAML']>>[1],
): ReturnType<NonNullable<StsHandlers['AssumeRoleWithSAML']>> {
  const p = ctx.principal;
  const denied = () => accessDenied('Not authorized to perform sts:AssumeRoleWithSAML');
  const saml = p.type === 'saml' ? samlSessionOf(p) : undefined;
  if (!saml || saml.roleArn !== input.RoleArn) throw denied();
  const found = await roleByArn(ctx.tx, input.RoleArn);
  // The authorizer refuses a role it cannot find (no trust policy allows), so this only guards.
  if (!found) throw denied();
  const { role, accountId: roleAccount } = found;
  requireStsRegion(ctx.region, roleAccount);
  const duration = input.DurationSeconds ?? saml.sessionDuration ?? 3600;
  if (duration > role.MaxSessionDuration) throw validation('Requested DurationSeconds exceeds MaxSessionDuration set for this role.');
  let seconds = duration;
  if (saml.sessionNotOnOrAfter) seconds = Math.min(seconds, Math.floor((saml.sessionNotOnOrAfter.getTime() - ctx.now.getTime()) / 1000));

  checkSessionPolicy(input.Policy);
  const arns = (input.PolicyArns ?? []).map((d) => d.arn).filter((a): a is string => typeof a === 'string');
  const packed = packedPercent(input.Policy, arns, []);
  checkPacked(packed);

  const sessionName = saml.roleSessionName;
  const session: SessionFacts = {};
  if (input.Policy !== undefined) session.policy = input.Policy;
  if (arns.length) session.policyArns = arns;
  if (saml.sourceIdentity !== undefined) session.sourceIdentity = saml.sourceIdentity;
  const rec = issue(
    roleAccount,
    { type: 'assumed-role', roleName: role.RoleName, roleId: role.RoleId, roleArn: role.Arn, sessionName, session },
    ctx.now,
    seconds,
    'AssumeRoleWithSAML',
  );
  await putAccessKey(ctx.tx, rec);
  // GetRole's RoleLastUsed.
  await ctx.tx.put(roleAccount, KIND_ROLE, role.RoleName.toLowerCase(), { ...role, RoleLastUsed: { LastUsedDate: ctx.now.toISOString(), Region: ctx.region } });
  return {
    Credentials: credentialsOut(rec),
    AssumedRoleUser: {
      AssumedRoleId: `${role.RoleId}:${sessionName}`,
      Arn: `arn:aws:sts::${roleAccount}:assumed-role/${role.RoleName}/${sessionName}`,
    },
    PackedPolicySize: packed,
    Subject: saml.subject,
    SubjectType: saml.subjectType,
    Issuer: saml.issuer,
    Audience: saml.audience,
    NameQualifier: saml.nameQualifier,
    SourceIdentity: saml.sourceIdentity,
  };
}

export const sessionHandlers: Pick<StsHandlers, 'AssumeRole' | 'GetFederationToken' | 'AssumeRoleWithWebIdentity' | 'AssumeRoleWithSAML'> = {
  AssumeRoleWithSAML: assumeRoleWithSaml,
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
  async AssumeRole(input, ctx) {
    const p = ctx.principal;
    if (p.type === 'root') throw accessDenied('Roles may not be assumed by root accounts.');
    const found = await roleByArn(ctx.tx, input.RoleArn);
    if (!found) {
      // The authorizer refuses a role it cannot find (no trust policy allows), so this only guards.
      throw accessDenied(`User: ${p.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
    }
    const { role, accountId: roleAccount } = found;
    requireStsRegion(ctx.region, roleAccount);
  requireStsRegion(ctx.region, roleAccount);
    const chained = p.type === 'assumed-role';
    const duration = input.DurationSeconds ?? 3600;
    if (chained && duration > CHAINED_MAX) {
      throw validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    }
    if (duration > role.MaxSessionDuration) throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

    let mfaAt: Date | undefined;
    if (input.SerialNumber !== undefined || input.TokenCode !== undefined) {
      if (input.SerialNumber === undefined || input.TokenCode === undefined) {
        throw accessDenied('MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.');
      }
      const check = p.type === 'user' ? await checkMfaCode(ctx.tx, p.accountId, input.SerialNumber, input.TokenCode, ctx.now, p.name) : 'no-device';
      if (check === 'no-device') {
        throw accessDenied('MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.');
      }
      if (check === 'invalid-code') throw accessDenied('MultiFactorAuthentication failed with invalid MFA one time pass code.');
      mfaAt = ctx.now;
    } else if (p.sessionToken !== undefined) {
      // A session started with MFA (GetSessionToken with a code) keeps its MFA context.
      const caller = await getAccessKey(ctx.tx, p.accessKeyId);
      if (caller?.mfaAuthenticated) mfaAt = new Date(caller.mfaAuthenticatedAt ?? caller.createDate);
    }

    checkSessionPolicy(input.Policy);
    const tags = (input.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));
    const transitive = [...(input.TransitiveTagKeys ?? [])];
    checkTags(tags, transitive);
    // Role chaining: the caller's transitive tags carry over (and stay transitive); its source identity too.
    const inherited = chained ? p.session : undefined;
    for (const k of inherited?.transitiveTagKeys ?? []) {
      const t = inherited?.tags?.find((x) => x.Key.toLowerCase() === k.toLowerCase());
      if (!t) continue;
      if (tags.some((x) => x.Key.toLowerCase() === k.toLowerCase())) {
        throw validation(`Tag keys provided in the request cannot override transitive session tags: ${t.Key}`);
      }
      tags.push(t);
      transitive.push(t.Key);
    }
    const sourceIdentity = inherited?.sourceIdentity ?? input.SourceIdentity;
    if (inherited?.sourceIdentity !== undefined && input.SourceIdentity !== undefined && input.SourceIdentity !== inherited.sourceIdentity) {
      throw accessDenied(`User: ${p.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${role.Arn}`);
    }
    const arns = (input.PolicyArns ?? []).map((d) => d.arn).filter((a): a is string => typeof a === 'string');
    const packed = packedPercent(input.Policy, arns, input.Tags ?? []);
    checkPacked(packed);

    const session: SessionFacts = {};
    if (input.Policy !== undefined) session.policy = input.Policy;
    if (arns.length) session.policyArns = arns;
    if (tags.length) session.tags = tags;
    if (transitive.length) session.transitiveTagKeys = transitive;
    if (sourceIdentity !== undefined) session.sourceIdentity = sourceIdentity;
    if (chained) session.chained = true;
    const rec = issue(
      roleAccount,
      { type: 'assumed-role', roleName: role.RoleName, roleId: role.RoleId, roleArn: role.Arn, sessionName: input.RoleSessionName, session },
      ctx.now,
      duration,
      'AssumeRole',
      mfaAt,
    );
    await putAccessKey(ctx.tx, rec);
    // GetRole's RoleLastUsed.
    await ctx.tx.put(roleAccount, KIND_ROLE, role.RoleName.toLowerCase(), { ...role, RoleLastUsed: { LastUsedDate: ctx.now.toISOString(), Region: ctx.region } });
    return {
      Credentials: credentialsOut(rec),
      AssumedRoleUser: {
        AssumedRoleId: `${role.RoleId}:${input.RoleSessionName}`,
        Arn: `arn:aws:sts::${roleAccount}:assumed-role/${role.RoleName}/${input.RoleSessionName}`,
      },
      PackedPolicySize: packed,
      SourceIdentity: sourceIdentity,
    };
  },

  async GetFederationToken(input, ctx) {
    requireStsRegion(ctx.region, ctx.accountId);
    const p = ctx.principal;
    if (p.sessionToken !== undefined) throw accessDenied('Cannot call GetFederationToken with session credentials');
    if (p.type !== 'user' && p.type !== 'root') throw accessDenied('Cannot call GetFederationToken with session credentials');
    const duration = Math.min(input.DurationSeconds ?? 43200, p.type === 'root' ? 3600 : 129600);
    checkSessionPolicy(input.Policy);
    const tags = (input.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));
    checkTags(tags, []);
    const arns = (input.PolicyArns ?? []).map((d) => d.arn).filter((a): a is string => typeof a === 'string');
    const packed = packedPercent(input.Policy, arns, tags);
    checkPacked(packed);
    const session: SessionFacts = {};
    if (input.Policy !== undefined) session.policy = input.Policy;
    if (arns.length) session.policyArns = arns;
    if (tags.length) session.tags = tags;
    const user = p.type === 'user' ? await getUser(ctx.tx, p.accountId, p.name) : undefined;
    const rec = issue(
      p.accountId,
      {
        type: 'federated-user',
        name: input.Name,
        userName: user?.UserName ?? p.accountId,
        userId: user?.UserId ?? p.accountId,
        userArn: user?.Arn ?? p.arn,
        session,
      },
      ctx.now,
      duration,
      'GetFederationToken',
    );
    await putAccessKey(ctx.tx, rec);
    return {
      Credentials: credentialsOut(rec),
      FederatedUser: { FederatedUserId: `${p.accountId}:${input.Name}`, Arn: `arn:aws:sts::${p.accountId}:federated-user/${input.Name}` },
      PackedPolicySize: packed,
    };
  },
};
