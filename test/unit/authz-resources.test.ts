/**
 * Which resource each operation is authorized on: bound from the parsed input and AWS's ARN
 * templates (Service Authorization Reference), with IAM's stored paths, the caller for operations
 * whose UserName is optional, and IAM List operations on the listed path, as AWS reports them in
 * its denial messages ("... is not authorized to perform: iam:ListUsers on resource:
 * arn:aws:iam::123456789012:user/", "iam:ListPolicies on resource: policy path /").
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import type { Principal } from '../../src/gateway/context.js';
import { actionFor, serviceAuthz, SERVICE_PREFIX } from '../../src/authz/actions.js';
import { bindResources, type BindEnv } from '../../src/authz/resources.js';
import { createAccount, putAccessKey, makeKey } from '../../src/accounts/accounts.js';

const ACCT = '123456789012';
let store: Store;

const alice: Principal = {
  type: 'user',
  accountId: ACCT,
  arn: `arn:aws:iam::${ACCT}:user/staff/alice`,
  userId: 'AIDAALICE',
  name: 'alice',
  accessKeyId: 'AKIAALICE',
};
const root: Principal = { type: 'root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, userId: ACCT, name: ACCT, accessKeyId: 'AKIAROOT' };

before(async () => {
  store = await openStore({ inMemory: true });
  await store.write(async (tx) => {
    await createAccount(tx, { now: new Date(), accountId: ACCT });
    await tx.put(ACCT, 'iam.user', 'bob', { UserName: 'bob', Path: '/eng/', Tags: [{ Key: 'team', Value: 'blue' }] });
    await tx.put(ACCT, 'iam.role', 'deployer', { RoleName: 'deployer', Path: '/ci/' });
    await tx.put(ACCT, 'iam.group', 'devs', { GroupName: 'devs', Path: '/teams/' });
    await tx.put(ACCT, 'iam.instanceProfile', 'web', { InstanceProfileName: 'web', Path: '/' });
    await putAccessKey(tx, { ...makeKey(ACCT, { type: 'user', userName: 'bob', userId: 'AIDABOB' }, new Date()), accessKeyId: 'AKIABOBKEY' });
  });
});

async function bind(service: string, operation: string, input: Record<string, unknown>, principal: Principal = alice, region = 'us-east-1') {
  const found = actionFor(service, operation);
  assert.ok(found, `${service}:${operation} has an action`);
  return store.read(async (tx) => {
    const env: BindEnv = { tx, accountId: ACCT, region, principal, entity: (kind, name) => tx.get(ACCT, kind, name) };
    return bindResources(serviceAuthz(SERVICE_PREFIX[service]!), found.def, operation, input, env);
  });
}

const cases: Array<[string, string, Record<string, unknown>, string, string?, Principal?]> = [
  // [service, operation, input, expected ARN, expected display, caller]
  ['iam', 'CreateUser', { UserName: 'carol', Path: '/eng/' }, `arn:aws:iam::${ACCT}:user/eng/carol`],
  ['iam', 'GetUser', { UserName: 'bob' }, `arn:aws:iam::${ACCT}:user/eng/bob`],
  ['iam', 'GetUser', { UserName: 'nobody' }, `arn:aws:iam::${ACCT}:user/nobody`],
  ['iam', 'GetUser', {}, `arn:aws:iam::${ACCT}:user/staff/alice`],
  ['iam', 'CreateAccessKey', {}, `arn:aws:iam::${ACCT}:user/staff/alice`],
  ['iam', 'ListUsers', {}, `arn:aws:iam::${ACCT}:user/`],
  ['iam', 'ListUsers', { PathPrefix: '/eng/' }, `arn:aws:iam::${ACCT}:user/eng/`],
  ['iam', 'ListRoles', {}, `arn:aws:iam::${ACCT}:role/`],
  ['iam', 'ListGroups', {}, `arn:aws:iam::${ACCT}:group/`],
  ['iam', 'ListPolicies', {}, `arn:aws:iam::${ACCT}:policy/`, 'policy path /'],
  ['iam', 'AttachUserPolicy', { UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, `arn:aws:iam::${ACCT}:user/eng/bob`],
  ['iam', 'CreatePolicyVersion', { PolicyArn: `arn:aws:iam::${ACCT}:policy/team/p1`, PolicyDocument: '{}' }, `arn:aws:iam::${ACCT}:policy/team/p1`],
  ['iam', 'AddUserToGroup', { GroupName: 'devs', UserName: 'bob' }, `arn:aws:iam::${ACCT}:group/teams/devs`],
  ['iam', 'UpdateAssumeRolePolicy', { RoleName: 'deployer', PolicyDocument: '{}' }, `arn:aws:iam::${ACCT}:role/ci/deployer`],
  ['iam', 'AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'deployer' }, `arn:aws:iam::${ACCT}:instance-profile/web`],
  ['iam', 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'phone', Path: '/' }, `arn:aws:iam::${ACCT}:mfa/phone`],
  ['iam', 'EnableMFADevice', { UserName: 'bob', SerialNumber: `arn:aws:iam::${ACCT}:mfa/phone` }, `arn:aws:iam::${ACCT}:user/eng/bob`],
  ['iam', 'GetAccessKeyLastUsed', { AccessKeyId: 'AKIABOBKEY' }, `arn:aws:iam::${ACCT}:user/eng/bob`],
  ['iam', 'ListAccountAliases', {}, '*'],
  ['iam', 'CreateOpenIDConnectProvider', { Url: 'https://token.actions.example.com/org' }, `arn:aws:iam::${ACCT}:oidc-provider/token.actions.example.com/org`],
  ['iam', 'CreateSAMLProvider', { Name: 'corp-idp', SAMLMetadataDocument: 'x' }, `arn:aws:iam::${ACCT}:saml-provider/corp-idp`],
  ['iam', 'CreateServiceLinkedRole', { AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'web' }, `arn:aws:iam::${ACCT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_web`],
  ['sts', 'AssumeRole', { RoleArn: `arn:aws:iam::210987654321:role/x/partner`, RoleSessionName: 's' }, 'arn:aws:iam::210987654321:role/x/partner'],
  ['sts', 'DecodeAuthorizationMessage', { EncodedMessage: 'x' }, '*'],
  ['ec2', 'DescribeRegions', {}, '*'],
];

for (const [service, operation, input, arn, display, caller] of cases) {
  test(`${service}:${operation} ${JSON.stringify(input)} is authorized on ${display ?? arn}`, async () => {
    const bound = await bind(service, operation, input, caller);
    assert.equal(bound.length, 1, JSON.stringify(bound));
    assert.equal(bound[0]!.arn, arn);
    assert.equal(bound[0]!.display, display);
  });
}

test('the addressed entity comes with its stored tags (for aws:ResourceTag)', async () => {
  const [r] = await bind('iam', 'TagUser', { UserName: 'bob', Tags: [] });
  assert.deepEqual(r!.entity?.Tags, [{ Key: 'team', Value: 'blue' }]);
});

test("root's own-user operations have no user to name: the account's root ARN is not invented", async () => {
  // Root is allowed everything in its account; the binding must still not fail.
  const bound = await bind('iam', 'GetUser', {}, root);
  assert.equal(bound.length, 1);
  assert.equal(bound[0]!.arn, '*');
});
