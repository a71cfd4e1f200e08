import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  authorizationMessageJson,
  decodeAuthorizationMessage,
  denialMessage,
  encodeAuthorizationMessage,
  matchedStatementsFor,
  unauthorizedOperationMessage,
} from '../../src/policy/messages.js';
import { compilePolicy, type CompiledPolicy } from '../../src/policy/compile.js';
import { decide, type Decision } from '../../src/policy/decide.js';
import { EMPTY_CONTEXT } from '../../src/policy/context.js';

const USER = 'arn:aws:iam::123456789012:user/alice';
const implicit = (deniedBy: Decision['deniedBy'], deniedByType?: Decision['deniedByType']) =>
  ({ decision: 'ImplicitDeny', deniedBy, deniedByType: deniedByType ?? deniedBy }) as const;
const explicit = (deniedBy: Decision['deniedBy'], deniedByType?: Decision['deniedByType']) =>
  ({ decision: 'ExplicitDeny', deniedBy, deniedByType: deniedByType ?? deniedBy }) as const;

// troubleshoot_access-denied.html, byte for byte.
const cases: [string, Pick<Decision, 'decision' | 'deniedBy' | 'deniedByType'>, string, string | undefined, string][] = [
  ['identity-based policy, implicit', implicit('identity'), 'iam:ListUsers', 'arn:aws:iam::123456789012:user/',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action'],
  ['identity-based policy, explicit', explicit('identity'), 'codedeploy:ListDeployments', 'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: codedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* with an explicit deny in an identity-based policy'],
  ['permissions boundary, implicit', implicit('boundary'), 'codedeploy:ListDeployments', 'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: codedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* because no permissions boundary allows the codedeploy:ListDeployments action'],
  ['permissions boundary, explicit (no resource)', explicit('boundary'), 'sagemaker:ListModels', '*',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sagemaker:ListModels with an explicit deny in a permissions boundary'],
  ['session policy, implicit (no resource)', implicit('session'), 'codecommit:ListRepositories', undefined,
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: codecommit:ListRepositories because no session policy allows the codecommit:ListRepositories action'],
  ['session policy, explicit', explicit('session'), 'ec2:DescribeImages', '*',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ec2:DescribeImages with an explicit deny in a session policy'],
  ['service control policy, explicit', explicit('scp'), 'codecommit:ListRepositories', '*',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: codecommit:ListRepositories with an explicit deny in a service control policy'],
  ['service control policy, implicit, worded as explicit (documented note)', implicit('scp'), 'codecommit:ListRepositories', '*',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: codecommit:ListRepositories with an explicit deny in a service control policy'],
  ['resource-based policy, implicit', implicit('resource'), 'secretsmanager:GetSecretValue', undefined,
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: secretsmanager:GetSecretValue because no resource-based policy allows the secretsmanager:GetSecretValue action'],
  ['resource-based policy, explicit', explicit('resource'), 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:*',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:* with an explicit deny in a resource-based policy'],
  ['resource control policy, explicit', explicit('rcp'), 's3:GetObject', 'arn:aws:s3:::b/k',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a resource control policy'],
  ['resource control policy, implicit', implicit('rcp'), 's3:GetObject', 'arn:aws:s3:::b/k',
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no resource control policy allows the s3:GetObject action'],
  ['role trust policy, implicit', implicit('resource', 'trust'), 'sts:AssumeRole', undefined,
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole because no role trust policy allows the sts:AssumeRole action'],
  ['role trust policy, explicit', explicit('resource', 'trust'), 'sts:AssumeRole', undefined,
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole with an explicit deny in the role trust policy'],
];

for (const [name, d, action, resource, expected] of cases) {
  test(`denial message (troubleshoot_access-denied.html): ${name}`, () => {
    assert.equal(denialMessage(d, { principalArn: USER, action, resource }), expected);
  });
}

test('SCP implicit denial can be worded "because no service control policy allows"', () => {
  assert.equal(
    denialMessage(implicit('scp'), { principalArn: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', scpImplicitAsExplicit: false }),
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no service control policy allows the s3:GetObject action',
  );
});

test('explicit deny naming the policy ARN (troubleshoot_access-denied-authorization-id.html)', () => {
  assert.equal(
    denialMessage(explicit('identity'), {
      principalArn: 'arn:aws:iam::123456789012:user/janedoe',
      action: 'iam:CreateInstanceProfile',
      resource: 'arn:aws:iam::123456789012:instance-profile/my-instance-profile',
      policyArn: 'arn:aws:iam::123456789012:policy/ExampleDenyPolicy',
    }),
    'User: arn:aws:iam::123456789012:user/janedoe is not authorized to perform: iam:CreateInstanceProfile on resource: arn:aws:iam::123456789012:instance-profile/my-instance-profile with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/ExampleDenyPolicy',
  );
});

test('S3 quotes the resource', () => {
  assert.equal(
    denialMessage(implicit('session'), { principalArn: 'arn:aws:sts::1:assumed-role/R/s', action: 's3:ListBucket', resource: 'arn:aws:s3:::tanaka-s3bucket', quoteResource: true }),
    'User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::tanaka-s3bucket" because no session policy allows the s3:ListBucket action',
  );
});

test('a decision from decide() renders directly', () => {
  const p = compilePolicy('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}', { id: 'p', type: 'identity' });
  assert.ok(!('code' in p));
  const d = decide({ action: 'iam:ListUsers', resource: 'arn:aws:iam::123456789012:user/', principal: { kind: 'user', accountId: '123456789012', arn: USER }, context: EMPTY_CONTEXT }, { identity: [p as CompiledPolicy] });
  assert.equal(
    denialMessage(d, { principalArn: USER, action: 'iam:ListUsers', resource: 'arn:aws:iam::123456789012:user/' }),
    'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action',
  );
});

// --- EC2 encoded authorization messages -------------------------------------------------------

const KEY = Buffer.alloc(32, 7);
const IV = Buffer.alloc(12, 1);

test('decoded authorization message: the shape of the IAM User Guide\'s DecodeAuthorizationMessage example', () => {
  const json = authorizationMessageJson({
    allowed: false,
    explicitDeny: true,
    matchedStatements: [
      { sid: 'VisualEditor0', effect: 'Deny', principals: ['AROA123456789EXAMPLE'], actions: ['ec2:RunInstances'], resources: ['*'], conditions: [] },
    ],
    principal: { id: 'AROA123456789EXAMPLE:Ana', arn: 'arn:aws:sts::111122223333:assumed-role/Developer/Ana' },
    action: 'ec2:RunInstances',
    resource: 'arn:aws:ec2:us-east-1:111122223333:instance/*',
    conditions: [{ key: 'aws:Region', values: ['us-east-1'] }],
  });
  assert.equal(
    json,
    '{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"VisualEditor0","effect":"DENY","principals":{"items":[{"value":"AROA123456789EXAMPLE"}]},"principalGroups":{"items":[]},"actions":{"items":[{"value":"ec2:RunInstances"}]},"resources":{"items":[{"value":"*"}]},"conditions":{"items":[]}}]},"failures":{"items":[]},"context":{"principal":{"id":"AROA123456789EXAMPLE:Ana","arn":"arn:aws:sts::111122223333:assumed-role/Developer/Ana"},"action":"ec2:RunInstances","resource":"arn:aws:ec2:us-east-1:111122223333:instance/*","conditions":{"items":[{"key":"aws:Region","values":{"items":[{"value":"us-east-1"}]}}]}}}',
  );
});

test('decoded authorization message: implicit deny has no matched statements; users carry a name', () => {
  const json = JSON.parse(authorizationMessageJson({
    allowed: false,
    explicitDeny: false,
    matchedStatements: [],
    principal: { id: 'AIDAEXAMPLE', name: 'alice', arn: USER },
    action: 'ec2:StartInstances',
    resource: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1',
    conditions: [],
  }));
  assert.deepEqual(json.matchedStatements, { items: [] });
  assert.deepEqual(Object.keys(json.context.principal), ['id', 'name', 'arn']);
});

test('matched statements are looked up in their policies', () => {
  const p = compilePolicy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Sid":"NoBig","Effect":"Deny","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringNotEquals":{"ec2:InstanceType":["t3.micro","t3.small"]}}}]}',
    { id: 'arn:aws:iam::123456789012:policy/p', type: 'identity' },
  ) as CompiledPolicy;
  const d = decide(
    { action: 'ec2:RunInstances', resource: 'arn:aws:ec2:us-east-1:123456789012:instance/*', principal: { kind: 'user', accountId: '123456789012', arn: USER }, context: EMPTY_CONTEXT },
    { identity: [p] },
  );
  assert.equal(d.decision, 'ExplicitDeny');
  assert.deepEqual(matchedStatementsFor(d.matched, [p], 'AIDAEXAMPLE'), [
    {
      sid: 'NoBig',
      effect: 'Deny',
      principals: ['AIDAEXAMPLE'],
      actions: ['ec2:RunInstances'],
      resources: ['arn:aws:ec2:*:*:instance/*'],
      conditions: [{ key: 'ec2:InstanceType', values: ['t3.micro', 't3.small'] }],
    },
  ]);
});

test('encoded message: sealed with the caller\'s key, reversible, opaque, tamper-evident', () => {
  const json = '{"allowed":false}';
  const enc = encodeAuthorizationMessage(json, KEY, IV);
  assert.match(enc, /^[A-Za-z0-9_-]+$/);
  assert.ok(!enc.includes('allowed'));
  assert.equal(decodeAuthorizationMessage(enc, KEY), json);
  assert.equal(decodeAuthorizationMessage(enc, Buffer.alloc(32, 8)), undefined);
  const tampered = enc.slice(0, -2) + (enc.endsWith('A') ? 'BB' : 'AA');
  assert.equal(decodeAuthorizationMessage(tampered, KEY), undefined);
  assert.equal(decodeAuthorizationMessage('not-a-message', KEY), undefined);
  // Deterministic for a given key and IV (no randomness of its own).
  assert.equal(encodeAuthorizationMessage(json, KEY, IV), enc);
});

test('EC2 UnauthorizedOperation message', () => {
  assert.equal(
    unauthorizedOperationMessage(implicit('identity'), { principalArn: USER, action: 'ec2:RunInstances', resource: 'arn:aws:ec2:us-east-1:123456789012:instance/*' }, 'ENC'),
    'You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:123456789012:instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: ENC',
  );
});
