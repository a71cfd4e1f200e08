import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, Grant, type CompiledPolicy } from '../../src/policy/compile.js';
import { evaluatePolicy, evaluatePrepared, newResult, prepareRequest } from '../../src/policy/evaluate.js';
import { makeContext, EMPTY_CONTEXT } from '../../src/policy/context.js';
import type { AuthzRequest, CallerPrincipal, ContextKeys, PolicyType } from '../../src/policy/types.js';

const ACCT = '123456789012';
const OTHER = '999988887777';
const ALICE: CallerPrincipal = { kind: 'user', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/alice` };
const BOB: CallerPrincipal = { kind: 'user', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/bob` };
const ROOT: CallerPrincipal = { kind: 'root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root` };
const SESSION: CallerPrincipal = {
  kind: 'assumed-role',
  accountId: ACCT,
  arn: `arn:aws:sts::${ACCT}:assumed-role/dev/s1`,
  roleArn: `arn:aws:iam::${ACCT}:role/team/dev`,
};
const FED: CallerPrincipal = {
  kind: 'federated-user',
  accountId: ACCT,
  arn: `arn:aws:sts::${ACCT}:federated-user/fed`,
  sourceUserArn: `arn:aws:iam::${ACCT}:user/alice`,
};
const STRANGER: CallerPrincipal = { kind: 'user', accountId: OTHER, arn: `arn:aws:iam::${OTHER}:user/alice` };
const ANON: CallerPrincipal = { kind: 'anonymous' };
const EC2SVC: CallerPrincipal = { kind: 'service', service: 'ec2.amazonaws.com' };
const GOOGLE: CallerPrincipal = { kind: 'web-identity', federatedProvider: 'accounts.google.com' };
const CANON: CallerPrincipal = { kind: 'user', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/carol`, canonicalUserId: 'abc123' };

function policy(statements: unknown, type: PolicyType = 'identity', version: string | null = '2012-10-17'): CompiledPolicy {
  const doc: Record<string, unknown> = { Statement: statements };
  if (version) doc.Version = version;
  const p = compilePolicy(JSON.stringify(doc), { id: 'p1', type });
  if ('code' in p) throw new Error(`${p.code}: ${p.message}`);
  return p;
}

function req(action: string, resource: string, principal: CallerPrincipal = ALICE, context: ContextKeys = EMPTY_CONTEXT): AuthzRequest {
  return { action, resource, principal, context };
}

function outcome(p: CompiledPolicy, r: AuthzRequest): 'allow' | 'deny' | 'none' {
  const res = evaluatePolicy(p, r);
  if (res.denies.length > 0) return 'deny';
  return res.allows.length > 0 ? 'allow' : 'none';
}

const allowAction = (action: unknown) => policy({ Effect: 'Allow', Action: action, Resource: '*' });

// --- Action -------------------------------------------------------------------------------

const actionCases: [string, unknown, string, boolean][] = [
  ['exact action matches', 's3:GetObject', 's3:GetObject', true],
  ['action prefix and name are case-insensitive', 'S3:getobject', 's3:GetObject', true],
  ['request case does not matter either', 's3:GetObject', 'S3:GETOBJECT', true],
  ['another action of the service does not match', 's3:GetObject', 's3:PutObject', false],
  ['another service does not match', 's3:GetObject', 'sqs:GetObject', false],
  ['`*` at the end matches the rest of the name', 's3:Get*', 's3:GetObjectAcl', true],
  ['`*` matches the empty run', 's3:GetObject*', 's3:GetObject', true],
  ['`s3:*` matches every S3 action', 's3:*', 's3:DeleteBucket', true],
  ['`"*"` matches every action of every service', '*', 'ec2:RunInstances', true],
  ['`?` matches exactly one character', 's3:?etObject', 's3:GetObject', true],
  ['`?` does not match zero characters', 's3:G?etObject', 's3:GetObject', false],
  ['`*` in the middle', 'iam:*User*', 'iam:ListUserPolicies', true],
  ['wildcard in the service prefix', '*:GetObject', 's3:GetObject', true],
  ['a list matches when any element matches', ['ec2:*', 's3:List*'], 's3:ListBucket', true],
  ['a list with no matching element', ['ec2:*', 's3:List*'], 's3:GetObject', false],
];
for (const [name, action, requested, expected] of actionCases) {
  test(`Action (reference_policies_elements_action.html): ${name}`, () => {
    assert.equal(outcome(allowAction(action), req(requested, '*')), expected ? 'allow' : 'none');
  });
}

test('NotAction + Allow: allows every other action, within the statement\'s Resource scope', () => {
  const p = policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::b/k')), 'allow');
  assert.equal(outcome(p, req('iam:GetUser', `arn:aws:iam::${ACCT}:user/alice`)), 'none');
  const scoped = policy({ Effect: 'Allow', NotAction: 's3:DeleteBucket', Resource: 'arn:aws:s3:::*' });
  assert.equal(outcome(scoped, req('s3:GetObject', 'arn:aws:s3:::b/k')), 'allow');
  assert.equal(outcome(scoped, req('ec2:RunInstances', `arn:aws:ec2:us-east-1:${ACCT}:instance/*`)), 'none');
});

test('NotAction + Deny: denies every other action and grants nothing', () => {
  const p = policy({ Effect: 'Deny', NotAction: ['iam:ChangePassword', 'sts:GetSessionToken'], Resource: '*' });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::b/k')), 'deny');
  assert.equal(outcome(p, req('iam:ChangePassword', `arn:aws:iam::${ACCT}:user/alice`)), 'none');
});

// --- Resource -----------------------------------------------------------------------------

const allowRes = (resource: unknown) => policy({ Effect: 'Allow', Action: '*', Resource: resource });

const resourceCases: [string, string, string, boolean][] = [
  ['`*` matches every resource', '*', 'arn:aws:s3:::b/k', true],
  ['`*` matches the no-resource `*` too', '*', '*', true],
  ['an ARN pattern does not match the no-resource `*`', 'arn:aws:s3:::*', '*', false],
  ['exact ARN', 'arn:aws:s3:::bucket/key', 'arn:aws:s3:::bucket/key', true],
  ['ARNs are case-sensitive', 'arn:aws:s3:::Bucket/*', 'arn:aws:s3:::bucket/key', false],
  ['a bucket ARN does not match an object ARN', 'arn:aws:s3:::bucket', 'arn:aws:s3:::bucket/key', false],
  ['an object pattern does not match the bucket ARN', 'arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket', false],
  ['`bucket/*/test/*` matches bucket/1/2/test/3/x (`*` spans `/`)', 'arn:aws:s3:::bucket/*/test/*', 'arn:aws:s3:::bucket/1/2/test/3/x', true],
  ['`bucket/*/test/*` matches bucket//test/x', 'arn:aws:s3:::bucket/*/test/*', 'arn:aws:s3:::bucket//test/x', true],
  ['`bucket/*/test/*` matches bucket/1/test/', 'arn:aws:s3:::bucket/*/test/*', 'arn:aws:s3:::bucket/1/test/', true],
  ['`bucket/*/test/*` does not match bucket/test/x', 'arn:aws:s3:::bucket/*/test/*', 'arn:aws:s3:::bucket/test/x', false],
  ['`*` in the region segment', `arn:aws:ec2:*:${ACCT}:instance/*`, `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1`, true],
  ['partial wildcard in the region segment', `arn:aws:ec2:us-*:${ACCT}:instance/*`, `arn:aws:ec2:eu-west-1:${ACCT}:instance/i-1`, false],
  ['the account segment is matched on its own', `arn:aws:ec2:us-east-1:${OTHER}:instance/*`, `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1`, false],
  ['`*` in the account segment', 'arn:aws:iam::*:user/alice', `arn:aws:iam::${ACCT}:user/alice`, true],
  ['a segment `*` cannot absorb a colon', 'arn:aws:sqs:*:queue1', `arn:aws:sqs:us-east-1:${ACCT}:queue1`, false],
  ['the resource part spans colons', `arn:aws:logs:us-east-1:${ACCT}:log-group:g:*`, `arn:aws:logs:us-east-1:${ACCT}:log-group:g:log-stream:s`, true],
  ['`?` in the resource part', 'arn:aws:s3:::b/k?', 'arn:aws:s3:::b/k1', true],
  ['the partition is a segment', 'arn:aws-cn:s3:::b/*', 'arn:aws:s3:::b/k', false],
  ['the service is a segment (same length, different service)', `arn:aws:sns:us-east-1:${ACCT}:t`, `arn:aws:sqs:us-east-1:${ACCT}:t`, false],
  ['literal segments before a wildcard region', `arn:aws:sqs:*:${ACCT}:q`, `arn:aws:sqs:eu-west-1:${ACCT}:q`, true],
  ['literal segments before a wildcard region (other account)', `arn:aws:sqs:*:${ACCT}:q`, `arn:aws:sqs:eu-west-1:${OTHER}:q`, false],
  ['a pattern not starting with `arn:` is not an ARN pattern', 'foo:aws:s3:::b', 'arn:aws:s3:::b', false],
];
for (const [name, pattern, resource, expected] of resourceCases) {
  test(`Resource (reference_policies_elements_resource.html): ${name}`, () => {
    assert.equal(outcome(allowRes(pattern), req('s3:GetObject', resource)), expected ? 'allow' : 'none');
  });
}

test('NotResource + Allow: grants everything but the listed resources', () => {
  const p = policy({ Effect: 'Allow', Action: '*', NotResource: ['arn:aws:s3:::secret', 'arn:aws:s3:::secret/*'] });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::public/k')), 'allow');
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::secret/k')), 'none');
  assert.equal(outcome(p, req('iam:ListUsers', '*')), 'allow');
});

test('NotResource + Deny: denies the listed actions on every other resource only', () => {
  const p = policy({ Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::mine/*' });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::theirs/k')), 'deny');
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::mine/k')), 'none');
  assert.equal(outcome(p, req('ec2:RunInstances', 'arn:aws:s3:::theirs/k')), 'none');
});

test('Resource variables (reference_policies_variables.html): substituted in the resource part', () => {
  const p = allowRes('arn:aws:s3:::home/${aws:username}/*');
  const ctx = makeContext({ 'aws:username': 'alice' });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::home/alice/x', ALICE, ctx)), 'allow');
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::home/bob/x', ALICE, ctx)), 'none');
});

test('Resource variables: a substituted value is literal (a `*` in the value is not a wildcard)', () => {
  const p = allowRes('arn:aws:s3:::home/${aws:username}');
  const ctx = makeContext({ 'aws:username': '*' });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::home/alice', ALICE, ctx)), 'none');
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::home/*', ALICE, ctx)), 'allow');
});

test('Resource variables: a missing key matches no resource and is reported missing', () => {
  const p = allowRes('arn:aws:s3:::home/${aws:username}/*');
  const r = evaluatePolicy(p, req('s3:GetObject', 'arn:aws:s3:::home/alice/x', ROOT));
  assert.equal(r.allows.length, 0);
  assert.deepEqual(r.missingKeys, ['aws:username']);
});

test('Resource variables: Deny + NotResource with a missing variable excludes nothing', () => {
  const p = policy({ Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::home/${aws:username}/*' });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::home/alice/x', ROOT)), 'deny');
  const ctx = makeContext({ 'aws:username': 'alice' });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::home/alice/x', ALICE, ctx)), 'none');
});

test('Version 2008-10-17 / absent: ${...} is literal text, wildcards still work', () => {
  for (const v of ['2008-10-17', null]) {
    const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}/*' }, 'identity', v);
    const ctx = makeContext({ 'aws:username': 'alice' });
    assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::home/alice/x', ALICE, ctx)), 'none');
    assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/x', ALICE, ctx)), 'allow');
  }
});

test('variables are not substituted outside the resource part (account segment)', () => {
  const p = allowRes('arn:aws:s3:${aws:username}::b');
  const ctx = makeContext({ 'aws:username': 'alice' });
  assert.equal(outcome(p, req('s3:GetObject', 'arn:aws:s3:alice::b', ALICE, ctx)), 'none');
});

// --- Condition integration ------------------------------------------------------------------

test('Condition: must hold for the statement to apply; missing keys are reported', () => {
  const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } } });
  assert.equal(outcome(p, req('s3:GetObject', '*', ALICE, makeContext({ 'aws:PrincipalTag/team': 'blue' }))), 'allow');
  assert.equal(outcome(p, req('s3:GetObject', '*', ALICE, makeContext({ 'aws:PrincipalTag/team': 'red' }))), 'none');
  const r = evaluatePolicy(p, req('s3:GetObject', '*'));
  assert.equal(r.allows.length, 0);
  assert.deepEqual(r.missingKeys, ['aws:PrincipalTag/team']);
});

test('Condition is only consulted when Action and Resource match (no missing keys otherwise)', () => {
  const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } });
  assert.deepEqual(evaluatePolicy(p, req('ec2:RunInstances', '*')).missingKeys, []);
});

// --- Statement references -------------------------------------------------------------------

test('matching statements are reported with policy id, type, index, Sid, effect and position', () => {
  const p = policy([
    { Sid: 'A', Effect: 'Allow', Action: 's3:*', Resource: '*' },
    { Sid: 'D', Effect: 'Deny', Action: 's3:Delete*', Resource: '*' },
    { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
  ]);
  const r = evaluatePolicy(p, req('s3:DeleteObject', 'arn:aws:s3:::b/k'));
  const at = p.parsed.text.indexOf('{"Sid":"D"');
  assert.equal(r.allows.length, 1);
  assert.equal(r.denies.length, 1);
  assert.deepEqual(
    { ...r.allows[0]!, start: undefined, end: undefined },
    { policyId: 'p1', policyType: 'identity', index: 0, sid: 'A', effect: 'Allow', start: undefined, end: undefined },
  );
  assert.equal(r.denies[0]!.index, 1);
  assert.deepEqual(r.denies[0]!.start, { line: 1, column: at + 1 });
  assert.deepEqual(r.denies[0]!.end, { line: 1, column: p.parsed.text.indexOf('}', at) + 2 });
});

test('a reused result object is cleared', () => {
  const p = allowAction('s3:*');
  const out = evaluatePolicy(p, req('s3:GetObject', '*'));
  evaluatePolicy(p, req('ec2:RunInstances', '*'), out);
  assert.equal(out.allows.length, 0);
});

// --- Principal ----------------------------------------------------------------------------

function grantOf(principal: unknown, caller: CallerPrincipal): Grant {
  const p = policy({ Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: '*' }, 'resource');
  const out = newResult();
  evaluatePrepared(p, prepareRequest(req('s3:GetObject', 'arn:aws:s3:::b/k', caller)), out);
  return out.allows.length === 0 ? Grant.None : out.grant;
}

const principalCases: [string, unknown, CallerPrincipal, Grant][] = [
  ['"*" names everyone, including anonymous callers', '*', ANON, Grant.Direct],
  ['{"AWS":"*"} names everyone, including anonymous callers', { AWS: '*' }, ANON, Grant.Direct],
  ['"*" names an IAM user', '*', ALICE, Grant.Direct],
  ['an account id names every principal of the account (user)', { AWS: ACCT }, ALICE, Grant.Account],
  ['an account id names every principal of the account (role session)', { AWS: ACCT }, SESSION, Grant.Account],
  ['the root ARN names the account, not only its root user', { AWS: `arn:aws:iam::${ACCT}:root` }, BOB, Grant.Account],
  ['an account id does not name another account', { AWS: ACCT }, STRANGER, Grant.None],
  ['an account principal does not name anonymous callers', { AWS: ACCT }, ANON, Grant.None],
  ['a user ARN names that user', { AWS: ALICE.arn }, ALICE, Grant.Direct],
  ['a user ARN does not name another user', { AWS: ALICE.arn }, BOB, Grant.None],
  ['the user name part is case-sensitive', { AWS: `arn:aws:iam::${ACCT}:user/Alice` }, ALICE, Grant.None],
  ['a role ARN names the sessions of that role', { AWS: SESSION.roleArn }, SESSION, Grant.Entity],
  ['an assumed-role session ARN names that session', { AWS: SESSION.arn }, SESSION, Grant.Direct],
  ['a session ARN does not name another session of the role', { AWS: `arn:aws:sts::${ACCT}:assumed-role/dev/s2` }, SESSION, Grant.None],
  ['a federated-user ARN names that federated user', { AWS: FED.arn }, FED, Grant.Direct],
  ['the user who called GetFederationToken names its federated sessions', { AWS: ALICE.arn }, FED, Grant.Entity],
  ['a service principal', { Service: 'ec2.amazonaws.com' }, EC2SVC, Grant.Direct],
  ['a service principal list', { Service: ['lambda.amazonaws.com', 'ec2.amazonaws.com'] }, EC2SVC, Grant.Direct],
  ['another service is not named', { Service: 'lambda.amazonaws.com' }, EC2SVC, Grant.None],
  ['a web identity provider', { Federated: 'accounts.google.com' }, GOOGLE, Grant.Direct],
  ['a canonical user identifies an account', { CanonicalUser: 'abc123' }, CANON, Grant.Account],
  ['several principals are an OR', { AWS: [BOB.arn, ALICE.arn] }, ALICE, Grant.Direct],
];
for (const [name, principal, caller, expected] of principalCases) {
  test(`Principal (reference_policies_elements_principal.html): ${name}`, () => {
    assert.equal(grantOf(principal, caller), expected);
  });
}

function notPrincipalDenies(list: string[], caller: CallerPrincipal, hasBoundary = false): boolean {
  const p = policy({ Effect: 'Deny', NotPrincipal: { AWS: list }, Action: 's3:*', Resource: '*' }, 'resource');
  const out = newResult();
  evaluatePrepared(p, prepareRequest(req('s3:GetObject', 'arn:aws:s3:::b/k', caller), hasBoundary), out);
  return out.denies.length > 0;
}

test('NotPrincipal (reference_policies_elements_notprincipal.html): the named user and its account are exempt', () => {
  assert.equal(notPrincipalDenies([ALICE.arn!, `arn:aws:iam::${ACCT}:root`], ALICE), false);
});
test('NotPrincipal: other principals of that account are denied', () => {
  assert.equal(notPrincipalDenies([ALICE.arn!, `arn:aws:iam::${ACCT}:root`], BOB), true);
});
test('NotPrincipal: without the account ARN the user is denied too (AWS verifies the account first)', () => {
  assert.equal(notPrincipalDenies([ALICE.arn!], ALICE), true);
});
test('NotPrincipal: a role session is exempt only with the account, role and session ARNs listed', () => {
  assert.equal(notPrincipalDenies([SESSION.arn!, SESSION.roleArn!, ACCT], SESSION), false);
  assert.equal(notPrincipalDenies([SESSION.roleArn!, ACCT], SESSION), true);
});
test('NotPrincipal: anonymous callers and other accounts are denied', () => {
  assert.equal(notPrincipalDenies([ALICE.arn!, ACCT], ANON), true);
  assert.equal(notPrincipalDenies([ALICE.arn!, ACCT], STRANGER), true);
});
test('NotPrincipal + permissions boundary: always denies principals with a boundary (access_policies_boundaries.html)', () => {
  assert.equal(notPrincipalDenies([ALICE.arn!, ACCT], ALICE, true), true);
});

test('identity policies do not check principals', () => {
  assert.equal(outcome(allowAction('s3:*'), req('s3:GetObject', '*', STRANGER)), 'allow');
});
