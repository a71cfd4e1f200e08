/**
 * Scope names: how state is partitioned in the Store.
 *
 * - `global`: what belongs to no account (accounts, the access-key index).
 * - `<account>`: an account's global-service state (IAM users, policies, ...; IAM is global).
 * - `<account>/<region>`: an account's regional state (EC2 instances, S3 buckets' metadata,
 *   ...): the same names in two regions are two resources, as on AWS.
 */
export const GLOBAL_SCOPE = 'global';

export function accountScope(accountId: string): string {
  return accountId;
}

export function regionScope(accountId: string, region: string): string {
  return `${accountId}/${region}`;
}
