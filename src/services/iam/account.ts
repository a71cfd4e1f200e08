/**
 * IAM account settings: the account alias, the account password policy and GetAccountSummary.
 *
 * Storage:
 * - The alias: account scope, kind `iam.accountSetting`, key `alias` → the alias string; and a global
 *   uniqueness index (scope `global`, kind `iam.accountAlias`, key = alias → `{ accountId }`), since
 *   aliases are unique across all accounts.
 * - The password policy: account scope, kind `iam.accountSetting`, key `passwordPolicy`.
 *
 * Fidelity notes:
 * - An account has at most one alias: CreateAccountAlias with a new alias replaces the old one (AWS
 *   Sign-In User Guide: "the new alias overwrites the previous alias"); re-creating the account's own
 *   alias succeeds. An alias held by another account answers EntityAlreadyExists.
 * - UpdateAccountPasswordPolicy is not a partial update: every member not given reverts to its
 *   default (MinimumPasswordLength 6, booleans false, no MaxPasswordAge / PasswordReusePrevention).
 *   GetAccountPasswordPolicy shows `ExpirePasswords` = whether MaxPasswordAge is set; `HardExpiry`,
 *   `MaxPasswordAge` and `PasswordReusePrevention` only when they were set.
 * - With no policy, Get answers NoSuchEntity "The Password Policy with domain name <account> cannot be
 *   found." and Delete "The account policy with name PasswordPolicy cannot be found." (AWS's texts).
 *
 * GetAccountSummary: every count comes from the account's state (quotas are AWS's defaults):
 * - Users, Groups, Roles (service-linked ones included), InstanceProfiles, Policies (customer managed).
 * - PolicyVersionsInUse: managed policy attachments in the account (customer and AWS managed policies
 *   attached to users, groups and roles; each attachment puts the policy's default version in use).
 * - MFADevices: the account's MFA devices, assigned or not; MFADevicesInUse: those assigned to a user.
 *   AccountMFAEnabled: whether the root user has an MFA device (never, in Nimbus: root devices are
 *   assigned in the console only).
 * - Providers: IAM identity providers, OIDC and SAML.
 * - AccountAccessKeysPresent: whether the root user has access keys. AccountPasswordPresent: the root
 *   user has no console password in Nimbus (no console), so 0.
 * - ServerCertificates and AccountSigningCertificatesPresent: 0 until server and signing certificates exist.
 */
import type { ReadTx } from '../../store/types.js';
import { listRootKeys } from '../../accounts/accounts.js';
import { EntityAlreadyExistsException, NoSuchEntityException, type IamHandlers, type PasswordPolicy } from '../../generated/iam.js';
import { KIND_USER } from './state.js';
import { KIND_GROUP } from './groups.js';
import { KIND_ROLE } from './roles.js';
import { KIND_POLICY } from './policies.js';
import { KIND_POLICY_ATTACHMENT } from './managed.js';
import { KIND_INSTANCE_PROFILE } from './instance-profiles.js';
import { KIND_MFA_DEVICE, KIND_USER_MFA_DEVICE } from './mfa.js';
import { countOidcProviders } from './oidc-providers.js';
import { countSamlProviders } from './saml-providers.js';

export const KIND_ACCOUNT_SETTING = 'iam.accountSetting';
export const KIND_ACCOUNT_ALIAS = 'iam.accountAlias';
const ALIAS_KEY = 'alias';
const PASSWORD_POLICY_KEY = 'passwordPolicy';

/** The stored password policy: exactly the members UpdateAccountPasswordPolicy settled on. */
export interface PasswordPolicyRecord {
  MinimumPasswordLength: number;
  RequireSymbols: boolean;
  RequireNumbers: boolean;
  RequireUppercaseCharacters: boolean;
  RequireLowercaseCharacters: boolean;
  AllowUsersToChangePassword: boolean;
  MaxPasswordAge?: number;
  PasswordReusePrevention?: number;
  HardExpiry?: boolean;
}

/** The account's password policy, or undefined when none is set (AWS then applies its default rules). */
export async function getPasswordPolicy(tx: ReadTx, accountId: string): Promise<PasswordPolicyRecord | undefined> {
  return tx.get<PasswordPolicyRecord>(accountId, KIND_ACCOUNT_SETTING, PASSWORD_POLICY_KEY);
}

/** The account's alias, if it has one. */
export async function getAccountAlias(tx: ReadTx, accountId: string): Promise<string | undefined> {
  return tx.get<string>(accountId, KIND_ACCOUNT_SETTING, ALIAS_KEY);
}

function policyView(p: PasswordPolicyRecord): PasswordPolicy {
  return {
    MinimumPasswordLength: p.MinimumPasswordLength,
    RequireSymbols: p.RequireSymbols,
    RequireNumbers: p.RequireNumbers,
    RequireUppercaseCharacters: p.RequireUppercaseCharacters,
    RequireLowercaseCharacters: p.RequireLowercaseCharacters,
    AllowUsersToChangePassword: p.AllowUsersToChangePassword,
    ExpirePasswords: p.MaxPasswordAge !== undefined,
    MaxPasswordAge: p.MaxPasswordAge,
    PasswordReusePrevention: p.PasswordReusePrevention,
    HardExpiry: p.HardExpiry,
  };
}

/** Quotas as AWS documents them ("IAM and AWS STS quotas"; GetAccountSummary's example). */
const QUOTAS: Record<string, number> = {
  UsersQuota: 5000,
  GroupsQuota: 300,
  RolesQuota: 1000,
  PoliciesQuota: 1500,
  InstanceProfilesQuota: 1000,
  ServerCertificatesQuota: 20,
  PolicyVersionsInUseQuota: 10000,
  VersionsPerPolicyQuota: 5,
  PolicySizeQuota: 6144,
  UserPolicySizeQuota: 2048,
  GroupPolicySizeQuota: 5120,
  RolePolicySizeQuota: 10240,
  AssumeRolePolicySizeQuota: 2048,
  GroupsPerUserQuota: 10,
  AccessKeysPerUserQuota: 2,
  SigningCertificatesPerUserQuota: 2,
  AttachedPoliciesPerUserQuota: 10,
  AttachedPoliciesPerGroupQuota: 10,
  AttachedPoliciesPerRoleQuota: 10,
  GlobalEndpointTokenVersion: 1,
};

export const accountHandlers: IamHandlers = {
  async CreateAccountAlias(input, ctx) {
    const alias = input.AccountAlias;
    const holder = await ctx.tx.get<{ accountId: string }>('global', KIND_ACCOUNT_ALIAS, alias);
    if (holder) {
      if (holder.accountId === ctx.accountId) return;
      throw new EntityAlreadyExistsException(`The account alias ${alias} already exists.`);
    }
    if (!(await ctx.tx.insert('global', KIND_ACCOUNT_ALIAS, alias, { accountId: ctx.accountId }))) {
      throw new EntityAlreadyExistsException(`The account alias ${alias} already exists.`);
    }
    // One alias per account: the new one replaces (and frees) the old one.
    const old = await getAccountAlias(ctx.tx, ctx.accountId);
    if (old !== undefined) await ctx.tx.delete('global', KIND_ACCOUNT_ALIAS, old);
    await ctx.tx.put(ctx.accountId, KIND_ACCOUNT_SETTING, ALIAS_KEY, alias);
  },

  async ListAccountAliases(_input, ctx) {
    const alias = await getAccountAlias(ctx.tx, ctx.accountId);
    return { AccountAliases: alias === undefined ? [] : [alias], IsTruncated: false };
  },

  async DeleteAccountAlias(input, ctx) {
    const alias = await getAccountAlias(ctx.tx, ctx.accountId);
    if (alias !== input.AccountAlias) {
      throw new NoSuchEntityException(`The account alias ${input.AccountAlias} cannot be found.`);
    }
    await ctx.tx.delete(ctx.accountId, KIND_ACCOUNT_SETTING, ALIAS_KEY);
    await ctx.tx.delete('global', KIND_ACCOUNT_ALIAS, alias);
  },

  async UpdateAccountPasswordPolicy(input, ctx) {
    const p: PasswordPolicyRecord = {
      MinimumPasswordLength: input.MinimumPasswordLength ?? 6,
      RequireSymbols: input.RequireSymbols ?? false,
      RequireNumbers: input.RequireNumbers ?? false,
      RequireUppercaseCharacters: input.RequireUppercaseCharacters ?? false,
      RequireLowercaseCharacters: input.RequireLowercaseCharacters ?? false,
      AllowUsersToChangePassword: input.AllowUsersToChangePassword ?? false,
    };
    // MaxPasswordAge 0 would mean "never expire"; the model's range (1..1095) already refuses it.
    if (input.MaxPasswordAge !== undefined) p.MaxPasswordAge = input.MaxPasswordAge;
    if (input.PasswordReusePrevention !== undefined) p.PasswordReusePrevention = input.PasswordReusePrevention;
    if (input.HardExpiry !== undefined) p.HardExpiry = input.HardExpiry;
    await ctx.tx.put(ctx.accountId, KIND_ACCOUNT_SETTING, PASSWORD_POLICY_KEY, p);
  },

  async GetAccountPasswordPolicy(_input, ctx) {
    const p = await getPasswordPolicy(ctx.tx, ctx.accountId);
    if (!p) throw new NoSuchEntityException(`The Password Policy with domain name ${ctx.accountId} cannot be found.`);
    return { PasswordPolicy: policyView(p) };
  },

  async DeleteAccountPasswordPolicy(_input, ctx) {
    if (!(await ctx.tx.delete(ctx.accountId, KIND_ACCOUNT_SETTING, PASSWORD_POLICY_KEY))) {
      throw new NoSuchEntityException('The account policy with name PasswordPolicy cannot be found.');
    }
  },

  async GetAccountSummary(_input, ctx) {
    const a = ctx.accountId;
    const tx = ctx.tx;
    return {
      SummaryMap: {
        ...QUOTAS,
        Users: await tx.count(a, KIND_USER),
        Groups: await tx.count(a, KIND_GROUP),
        Roles: await tx.count(a, KIND_ROLE),
        InstanceProfiles: await tx.count(a, KIND_INSTANCE_PROFILE),
        Policies: await tx.count(a, KIND_POLICY),
        PolicyVersionsInUse: await tx.count(a, KIND_POLICY_ATTACHMENT),
        MFADevices: await tx.count(a, KIND_MFA_DEVICE),
        MFADevicesInUse: await tx.count(a, KIND_USER_MFA_DEVICE),
        AccountMFAEnabled: 0,
        Providers: (await countOidcProviders(tx, a)) + (await countSamlProviders(tx, a)),
        ServerCertificates: 0,
        AccountSigningCertificatesPresent: 0,
        AccountAccessKeysPresent: (await listRootKeys(tx, a)).length > 0 ? 1 : 0,
        AccountPasswordPresent: 0,
      },
    };
  },
};
