import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, type CompiledPolicy } from '../../src/policy/compile.js';
import { decide, type DecisionInput } from '../../src/policy/decide.js';
import { EMPTY_CONTEXT } from '../../src/policy/context.js';
import type { AuthzRequest, CallerPrincipal, PolicyType } from '../../src/policy/types.js';

const ACCT = '123456789012';
const OTHER = '999988887777';
const ALICE: CallerPrincipal = { kind: 'user', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/alice` };
const ROOT: CallerPrincipal = { kind: 'root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root` };
const SESSION: CallerPrincipal = {
  kind: 'assumed-role',
  accountId: ACCT,
  arn: `arn:aws:sts::${ACCT}:assumed-role/dev/s1`,
  roleArn: `arn:aws:iam::${ACCT}:role/dev`,
};
const FED: CallerPrincipal = {
  kind: 'federated-user',
  accountId: ACCT,
  arn: `arn:aws:sts::${ACCT}:federated-user/fed`,
  sourceUserArn: ALICE.arn,
};
const STRANGER: CallerPrincipal = { kind: 'user', accountId: OTHER, arn: `arn:aws:iam::${OTHER}:user/eve` };
const STRANGER_ROOT: CallerPrincipal = { kind: 'root', accountId: OTHER, arn: `arn:aws:iam::${OTHER}:root` };
const ANON: CallerPrincipal = { kind: 'anonymous' };

let n = 0;
function pol(type: PolicyType, ...statements: Record<string, unknown>[]): CompiledPolicy {
  const p = compilePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { id: `${type}-${++n}`, type });
  if ('code' in p) throw new Error(`${p.code}: ${p.message}`);
  return p;
}
const allow = (action = 's3:*', extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action: action, Resource: '*', ...extra });
const deny = (action = 's3:*', extra: Record<string, unknown> = {}) => ({ Effect: 'Deny', Action: action, Resource: '*', ...extra });
const grantTo = (principal: unknown, effect = 'Allow') => ({ Effect: effect, Principal: principal, Action: 's3:*', Resource: '*' });

const OBJ = 'arn:aws:s3:::bucket/key';
const req = (principal: CallerPrincipal, action = 's3:GetObject', resource = OBJ): AuthzRequest => ({ action, resource, principal, context: EMPTY_CONTEXT });

type Expect = [decision: 'Allowed' | 'ExplicitDeny' | 'ImplicitDeny', deniedBy?: string];

const cases: [string, CallerPrincipal, Partial<DecisionInput>, Expect][] = [
  // Default deny / identity.
  ['no policy at all: implicit deny, reported against identity-based policies', ALICE, {}, ['ImplicitDeny', 'identity']],
  ['an identity Allow allows', ALICE, { identity: [pol('identity', allow())] }, ['Allowed']],
  ['an Allow for another action does not', ALICE, { identity: [pol('identity', allow('ec2:*'))] }, ['ImplicitDeny', 'identity']],
  ['explicit deny in an identity policy beats an allow in another', ALICE, { identity: [pol('identity', allow()), pol('identity', deny('s3:Get*'))] }, ['ExplicitDeny', 'identity']],
  // Explicit deny anywhere.
  ['explicit deny in the resource-based policy beats an identity allow', ALICE, { identity: [pol('identity', allow())], resource: pol('resource', grantTo('*', 'Deny')) }, ['ExplicitDeny', 'resource']],
  ['explicit deny in the permissions boundary', ALICE, { identity: [pol('identity', allow())], boundary: pol('boundary', allow('*'), deny()) }, ['ExplicitDeny', 'boundary']],
  ['explicit deny in a session policy', SESSION, { identity: [pol('identity', allow())], session: [pol('session', deny())] }, ['ExplicitDeny', 'session']],
  ['explicit deny in an SCP', ALICE, { identity: [pol('identity', allow())], scps: [[pol('scp', allow('*'), deny())]] }, ['ExplicitDeny', 'scp']],
  ['explicit deny in an RCP', ALICE, { identity: [pol('identity', allow())], rcps: [[pol('rcp', allow('*')), pol('rcp', deny())]] }, ['ExplicitDeny', 'rcp']],
  ['explicit deny in a resource policy even for a principal it also allows', ALICE, { resource: pol('resource', grantTo({ AWS: ALICE.arn }), grantTo({ AWS: ALICE.arn }, 'Deny')) }, ['ExplicitDeny', 'resource']],
  // Root user.
  ['root of the account: allowed without any policy', ROOT, {}, ['Allowed']],
  ['root: an explicit deny in a resource policy still applies', ROOT, { resource: pol('resource', grantTo({ AWS: ACCT }, 'Deny')) }, ['ExplicitDeny', 'resource']],
  ['root of a member account: SCP explicit deny applies', ROOT, { scps: [[pol('scp', allow('*'), deny())]] }, ['ExplicitDeny', 'scp']],
  ['root of a member account: each SCP level needs an allow', ROOT, { scps: [[pol('scp', allow('*'))], [pol('scp', allow('ec2:*'))]] }, ['ImplicitDeny', 'scp']],
  ['root of another account: a resource policy naming its account allows', STRANGER_ROOT, { resourceAccountId: ACCT, resource: pol('resource', grantTo({ AWS: OTHER })) }, ['Allowed']],
  ['root of another account: without a resource policy grant, implicit deny', STRANGER_ROOT, { resourceAccountId: ACCT }, ['ImplicitDeny', 'resource']],
  // Same account: resource policy by principal form.
  ['same account: resource policy naming the user ARN is enough on its own', ALICE, { resource: pol('resource', grantTo({ AWS: ALICE.arn })) }, ['Allowed']],
  ['same account: a user-ARN grant is not limited by the boundary', ALICE, { resource: pol('resource', grantTo({ AWS: ALICE.arn })), boundary: pol('boundary', allow('ec2:*')) }, ['Allowed']],
  ['same account: "*" grant needs nothing else', ALICE, { resource: pol('resource', grantTo('*')) }, ['Allowed']],
  ['same account: naming the account only delegates — the identity policy must allow', ALICE, { resource: pol('resource', grantTo({ AWS: ACCT })) }, ['ImplicitDeny', 'identity']],
  ['same account: account grant + identity allow', ALICE, { resource: pol('resource', grantTo({ AWS: ACCT })), identity: [pol('identity', allow())] }, ['Allowed']],
  ['same account: role ARN named — no identity allow needed', SESSION, { resource: pol('resource', grantTo({ AWS: SESSION.roleArn })) }, ['Allowed']],
  ['same account: role ARN named — limited by the boundary', SESSION, { resource: pol('resource', grantTo({ AWS: SESSION.roleArn })), boundary: pol('boundary', allow('ec2:*')) }, ['ImplicitDeny', 'boundary']],
  ['same account: role ARN named — limited by the session policy', SESSION, { resource: pol('resource', grantTo({ AWS: SESSION.roleArn })), session: [pol('session', allow('ec2:*'))] }, ['ImplicitDeny', 'session']],
  ['same account: role ARN named — session policy allowing', SESSION, { resource: pol('resource', grantTo({ AWS: SESSION.roleArn })), session: [pol('session', allow())] }, ['Allowed']],
  ['same account: session ARN named — not limited by the session policy', SESSION, { resource: pol('resource', grantTo({ AWS: SESSION.arn })), session: [pol('session', allow('ec2:*'))] }, ['Allowed']],
  ['same account: session ARN named — not limited by the boundary', SESSION, { resource: pol('resource', grantTo({ AWS: SESSION.arn })), boundary: pol('boundary', allow('ec2:*')) }, ['Allowed']],
  ['same account: federated-user ARN named — allowed', FED, { resource: pol('resource', grantTo({ AWS: FED.arn })) }, ['Allowed']],
  ['same account: the GetFederationToken user named — limited by the session policy', FED, { resource: pol('resource', grantTo({ AWS: ALICE.arn })), session: [pol('session', allow('ec2:*'))] }, ['ImplicitDeny', 'session']],
  ['same account: the GetFederationToken user named — session policy allowing', FED, { resource: pol('resource', grantTo({ AWS: ALICE.arn })), session: [pol('session', allow())] }, ['Allowed']],
  ['same account: a resource policy not naming the caller, no identity allow', ALICE, { resource: pol('resource', grantTo({ AWS: `arn:aws:iam::${ACCT}:user/bob` })) }, ['ImplicitDeny', 'identity']],
  ['same account: identity allow alone is enough when the resource policy is silent', ALICE, { resource: pol('resource', grantTo({ AWS: `arn:aws:iam::${ACCT}:user/bob` })), identity: [pol('identity', allow())] }, ['Allowed']],
  // Boundary and session intersections.
  ['boundary ∩ identity: both allow', ALICE, { identity: [pol('identity', allow())], boundary: pol('boundary', allow('s3:Get*')) }, ['Allowed']],
  ['boundary ∩ identity: boundary does not allow', ALICE, { identity: [pol('identity', allow())], boundary: pol('boundary', allow('ec2:*')) }, ['ImplicitDeny', 'boundary']],
  ['a boundary never grants', ALICE, { identity: [], boundary: pol('boundary', allow('*')) }, ['ImplicitDeny', 'identity']],
  ['role session without a session policy keeps its role\'s permissions', SESSION, { identity: [pol('identity', allow())] }, ['Allowed']],
  ['role session: session policy ∩ identity', SESSION, { identity: [pol('identity', allow())], session: [pol('session', allow('s3:Get*'))] }, ['Allowed']],
  ['role session: session policy does not allow', SESSION, { identity: [pol('identity', allow())], session: [pol('session', allow('ec2:*'))] }, ['ImplicitDeny', 'session']],
  ['several session policies form one set', SESSION, { identity: [pol('identity', allow())], session: [pol('session', allow('ec2:*')), pol('session', allow('s3:GetObject'))] }, ['Allowed']],
  ['a session policy never grants', SESSION, { identity: [], session: [pol('session', allow('*'))] }, ['ImplicitDeny', 'identity']],
  ['federated user without a session policy has no permissions', FED, { identity: [pol('identity', allow())] }, ['ImplicitDeny', 'session']],
  ['federated user: identity ∩ session policy', FED, { identity: [pol('identity', allow())], session: [pol('session', allow())] }, ['Allowed']],
  // SCPs.
  ['SCPs: every level needs an allow (all allow)', ALICE, { identity: [pol('identity', allow())], scps: [[pol('scp', allow('*'))], [pol('scp', allow('s3:*'))]] }, ['Allowed']],
  ['SCPs: one level without an allow denies (implicitly)', ALICE, { identity: [pol('identity', allow())], scps: [[pol('scp', allow('*'))], [pol('scp', allow('ec2:*'))]] }, ['ImplicitDeny', 'scp']],
  ['SCPs: within one level any one policy is enough', ALICE, { identity: [pol('identity', allow())], scps: [[pol('scp', allow('ec2:*')), pol('scp', allow('s3:Get*'))]] }, ['Allowed']],
  ['SCPs: an empty level has no allow', ALICE, { identity: [pol('identity', allow())], scps: [[]] }, ['ImplicitDeny', 'scp']],
  ['SCPs never grant', ALICE, { identity: [], scps: [[pol('scp', allow('*'))]] }, ['ImplicitDeny', 'identity']],
  ['SCPs cap what a resource policy grants the account\'s principals', ALICE, { resource: pol('resource', grantTo({ AWS: ALICE.arn })), scps: [[pol('scp', allow('ec2:*'))]] }, ['ImplicitDeny', 'scp']],
  // RCPs.
  ['RCPs: an empty level is RCPFullAWSAccess', ALICE, { identity: [pol('identity', allow())], rcps: [[], []] }, ['Allowed']],
  ['RCPs never grant', ALICE, { identity: [], rcps: [[pol('rcp', { ...allow('*'), Principal: '*' })]] }, ['ImplicitDeny', 'identity']],
  ['RCPs: a level whose policies do not allow denies', ALICE, { identity: [pol('identity', allow())], rcps: [[pol('rcp', allow('ec2:*'))]] }, ['ImplicitDeny', 'rcp']],
  ['RCPs apply to anonymous callers', ANON, { resource: pol('resource', grantTo('*')), rcps: [[pol('rcp', allow('*')), pol('rcp', { ...deny(), Principal: '*' })]] }, ['ExplicitDeny', 'rcp']],
  // Cross-account.
  ['cross-account: resource names the account and the identity policy allows', STRANGER, { resourceAccountId: ACCT, resource: pol('resource', grantTo({ AWS: OTHER })), identity: [pol('identity', allow())] }, ['Allowed']],
  ['cross-account: resource grant without an identity allow', STRANGER, { resourceAccountId: ACCT, resource: pol('resource', grantTo({ AWS: OTHER })) }, ['ImplicitDeny', 'identity']],
  ['cross-account: naming the user ARN does not remove the need for the identity allow', STRANGER, { resourceAccountId: ACCT, resource: pol('resource', grantTo({ AWS: STRANGER.arn })) }, ['ImplicitDeny', 'identity']],
  ['cross-account: "*" still needs the identity allow', STRANGER, { resourceAccountId: ACCT, resource: pol('resource', grantTo('*')) }, ['ImplicitDeny', 'identity']],
  ['cross-account: identity allow without a resource policy', STRANGER, { resourceAccountId: ACCT, identity: [pol('identity', allow())] }, ['ImplicitDeny', 'resource']],
  ['cross-account: resource policy naming another account', STRANGER, { resourceAccountId: ACCT, resource: pol('resource', grantTo({ AWS: ACCT })), identity: [pol('identity', allow())] }, ['ImplicitDeny', 'resource']],
  ['cross-account: the caller\'s boundary applies', STRANGER, { resourceAccountId: ACCT, resource: pol('resource', grantTo({ AWS: OTHER })), identity: [pol('identity', allow())], boundary: pol('boundary', allow('ec2:*')) }, ['ImplicitDeny', 'boundary']],
  ['cross-account: an explicit deny on the identity side wins', STRANGER, { resourceAccountId: ACCT, resource: pol('resource', grantTo({ AWS: OTHER })), identity: [pol('identity', allow(), deny())] }, ['ExplicitDeny', 'identity']],
  // Anonymous callers.
  ['anonymous: a resource policy with Principal "*" allows', ANON, { resource: pol('resource', grantTo('*')) }, ['Allowed']],
  ['anonymous: {"AWS":"*"} allows', ANON, { resource: pol('resource', grantTo({ AWS: '*' })) }, ['Allowed']],
  ['anonymous: an account grant does not', ANON, { resource: pol('resource', grantTo({ AWS: ACCT })) }, ['ImplicitDeny', 'resource']],
  ['anonymous: no resource policy, implicit deny', ANON, {}, ['ImplicitDeny', 'resource']],
  ['anonymous: SCPs do not apply', ANON, { resource: pol('resource', grantTo('*')), scps: [[pol('scp', allow('ec2:*'))]] }, ['Allowed']],
];

for (const [name, caller, input, [decision, deniedBy]] of cases) {
  test(`decide: ${name}`, () => {
    const d = decide(req(caller), { identity: [], ...input });
    assert.equal(d.decision, decision);
    assert.equal(d.deniedBy, deniedBy);
    if (decision === 'ExplicitDeny') {
      assert.ok(d.matched.length > 0 && d.matched.every((m) => m.effect === 'Deny'));
      assert.equal(d.explicitDenyIn, d.matched[0]!.policyType);
    }
    if (decision === 'ImplicitDeny') assert.equal(d.matched.length, 0);
  });
}

// Role trust policies must allow even within one account (id_roles_compare-resource-policies.html).
const ROLE = `arn:aws:iam::${ACCT}:role/target`;
const trust = (principal: unknown) => pol('trust', { Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' });
const assume = (caller: CallerPrincipal) => req(caller, 'sts:AssumeRole', ROLE);

test('trust policy: an identity allow alone is not enough within one account', () => {
  const d = decide(assume(ALICE), { identity: [pol('identity', allow('sts:AssumeRole'))], resource: trust({ AWS: `arn:aws:iam::${ACCT}:user/bob` }) });
  assert.equal(d.decision, 'ImplicitDeny');
  assert.equal(d.deniedBy, 'resource');
  assert.equal(d.deniedByType, 'trust');
});
test('trust policy naming the user: allowed without an identity allow (same account)', () => {
  assert.equal(decide(assume(ALICE), { identity: [], resource: trust({ AWS: ALICE.arn }) }).decision, 'Allowed');
});
test('trust policy naming the account: the identity policy must allow too', () => {
  assert.equal(decide(assume(ALICE), { identity: [], resource: trust({ AWS: ACCT }) }).decision, 'ImplicitDeny');
  assert.equal(decide(assume(ALICE), { identity: [pol('identity', allow('sts:AssumeRole'))], resource: trust({ AWS: ACCT }) }).decision, 'Allowed');
});

test('Allowed: matched lists the statements that granted', () => {
  const id = pol('identity', { Sid: 'S3', ...allow() }, { Sid: 'EC2', ...allow('ec2:*') });
  const b = pol('boundary', { Sid: 'B', ...allow('*') });
  const d = decide(req(ALICE), { identity: [id], boundary: b });
  assert.deepEqual(d.matched.map((m) => `${m.policyType}:${m.sid}`), ['identity:S3', 'boundary:B']);
});

test('ExplicitDeny: matched lists every matching Deny; the first type in evaluation order is reported', () => {
  const d = decide(req(ALICE), {
    identity: [pol('identity', allow(), deny())],
    resource: pol('resource', grantTo('*', 'Deny')),
  });
  assert.equal(d.deniedBy, 'resource');
  assert.deepEqual(d.matched.map((m) => m.policyType).sort(), ['identity', 'resource']);
});

test('missing context keys are collected across policies, deduplicated', () => {
  const cond = { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'x' } } };
  const d = decide(req(ALICE), { identity: [pol('identity', allow('s3:*', cond)), pol('identity', allow('s3:*', cond))], boundary: pol('boundary', allow('*', { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })) });
  assert.equal(d.decision, 'ImplicitDeny');
  assert.deepEqual([...d.missingKeys].sort(), ['aws:MultiFactorAuthPresent', 'aws:PrincipalTag/team']);
});

test('decisions are independent (scratch state is reset between calls)', () => {
  const input: DecisionInput = { identity: [pol('identity', allow())] };
  assert.equal(decide(req(ALICE, 's3:GetObject'), input).decision, 'Allowed');
  const denied = decide(req(ALICE, 'ec2:RunInstances'), input);
  assert.equal(denied.decision, 'ImplicitDeny');
  assert.equal(denied.matched.length, 0);
  assert.equal(decide(req(ALICE, 's3:GetObject'), input).matched.length, 1);
});
