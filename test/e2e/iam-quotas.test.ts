/**
 * IAM's account quotas ("IAM and AWS STS quotas"): at the limit, creation answers LimitExceeded
 * with AWS's `Cannot exceed quota for <Name>: <n>` text. The store is filled directly (thousands
 * of entities through the API would only slow the suite); the refusal comes through the SDK.
 */
import { test, before, after } from 'node:test';
import { IAMClient, CreateUserCommand, CreatePolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, rejectsWith, type TestServer } from './harness.js';
import { USERS_PER_ACCOUNT } from '../../src/services/iam/users.js';
import { POLICIES_PER_ACCOUNT } from '../../src/services/iam/policies.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

async function fill(kind: string, n: number) {
  await s.nimbus.store.write(async (tx) => {
    for (let i = 0; i < n; i++) await tx.put(s.accountId, kind, `filler-${String(i).padStart(5, '0')}`, { Path: '/', filler: true });
  });
}

test('UsersPerAccount: 5,000', async () => {
  await fill('iam.user', USERS_PER_ACCOUNT);
  await rejectsWith(new IAMClient(sdkConfig(s)).send(new CreateUserCommand({ UserName: 'one-too-many' })), 'LimitExceededException', 409, 'Cannot exceed quota for UsersPerAccount: 5000');
});

test('PoliciesPerAccount: 1,500 customer managed policies', async () => {
  await fill('iam.policy', POLICIES_PER_ACCOUNT);
  const PolicyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] });
  await rejectsWith(new IAMClient(sdkConfig(s)).send(new CreatePolicyCommand({ PolicyName: 'one-too-many', PolicyDocument })), 'LimitExceededException', 409, 'Cannot exceed quota for PoliciesPerAccount: 1500');
});
