/**
 * IAM's policy simulator end to end (JavaScript SDK v3, AWS CLI v2): SimulatePrincipalPolicy,
 * SimulateCustomPolicy, GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy, decided by
 * the engine that decides real requests. Positions and source ids are checked against responses AWS
 * published for the same documents (the CLI's simulate-custom-policy example, a one-line bucket
 * policy), and an IAM user's real request is checked to agree with its simulation.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  PutUserPolicyCommand,
  CreateGroupCommand,
  AddUserToGroupCommand,
  PutGroupPolicyCommand,
  CreatePolicyCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  CreateAccessKeyCommand,
  GetUserCommand,
  SimulatePrincipalPolicyCommand,
  SimulateCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  GetContextKeysForCustomPolicyCommand,
  type EvaluationResult,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, requireClient, runAwsCli, rejectsWith, type TestServer } from './harness.js';

let s: TestServer;
let iam: IAMClient;
let acct: string;
let aliceArn: string;

// Pretty-printed with two spaces, so positions can be read off the text: the statements' `}` are
// on lines 9, 15 and 21 (column 5); the array's `[` is on line 3 (column 16).
const ALICE_DOC = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Own",
      "Effect": "Allow",
      "Action": "iam:GetUser",
      "Resource": "arn:aws:iam::*:user/staff/\${aws:username}"
    },
    {
      "Sid": "S3",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*"
    },
    {
      "Sid": "NoDelete",
      "Effect": "Deny",
      "Action": "s3:DeleteBucket",
      "Resource": "*"
    }
  ]
}`;

const allow = (action: string, resource = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
const pos = (Line: number, Column: number) => ({ Line, Column });

before(async () => {
  s = await startTestServer();
  iam = new IAMClient(sdkConfig(s));
  acct = s.accountId;
  aliceArn = (await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/staff/' }))).User!.Arn!;
  await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'AlicePolicy', PolicyDocument: ALICE_DOC }));
  await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
  await iam.send(new PutGroupPolicyCommand({ GroupName: 'devs', PolicyName: 'GroupPol', PolicyDocument: allow('ec2:DescribeInstances') }));
  const ro = (await iam.send(new CreatePolicyCommand({ PolicyName: 'ReadOnlyIam', PolicyDocument: allow('iam:List*') }))).Policy!;
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: ro.Arn }));
});
after(async () => {
  iam.destroy();
  await s.close();
});

const principal = async (arn: string, actions: string[], extra: Record<string, unknown> = {}) =>
  (await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ActionNames: actions, ...extra }))).EvaluationResults!;
const byAction = (rs: EvaluationResult[]) => Object.fromEntries(rs.map((r) => [r.EvalActionName!, r]));

test('a user: allowed, implicitDeny and explicitDeny, with the statements that decided and where they are', async () => {
  const r = byAction(await principal(aliceArn, ['s3:ListBucket', 's3:DeleteBucket', 'sqs:SendMessage']));
  assert.equal(r['s3:ListBucket']!.EvalDecision, 'allowed');
  assert.equal(r['s3:ListBucket']!.EvalResourceName, '*');
  // The second statement starts right after the first one's `}` (AWS counts the comma with it).
  assert.deepEqual(r['s3:ListBucket']!.MatchedStatements, [
    { SourcePolicyId: 'user_alice_AlicePolicy', SourcePolicyType: 'IAM Policy', StartPosition: pos(9, 6), EndPosition: pos(15, 6) },
  ]);
  assert.deepEqual(r['s3:ListBucket']!.MissingContextValues, []);
  assert.equal(r['s3:ListBucket']!.ResourceSpecificResults, undefined);
  assert.equal(r['s3:ListBucket']!.EvalDecisionDetails, undefined);

  // An explicit deny overrides the s3:* allow, and only the deny is reported.
  assert.equal(r['s3:DeleteBucket']!.EvalDecision, 'explicitDeny');
  assert.deepEqual(r['s3:DeleteBucket']!.MatchedStatements, [
    { SourcePolicyId: 'user_alice_AlicePolicy', SourcePolicyType: 'IAM Policy', StartPosition: pos(15, 6), EndPosition: pos(21, 6) },
  ]);
  assert.equal(r['sqs:SendMessage']!.EvalDecision, 'implicitDeny');
  assert.deepEqual(r['sqs:SendMessage']!.MatchedStatements, []);
});

test("a user's groups count (inline as group_<group>_<policy>, managed by name); a group alone has its own policies only", async () => {
  const r = byAction(await principal(aliceArn, ['ec2:DescribeInstances', 'iam:ListUsers']));
  assert.equal(r['ec2:DescribeInstances']!.EvalDecision, 'allowed');
  assert.equal(r['ec2:DescribeInstances']!.MatchedStatements![0]!.SourcePolicyId, 'group_devs_GroupPol');
  // JSON.stringify's one-line form: `{"Version":"2012-10-17","Statement":[{` puts the statement right after `[` at column 38.
  assert.deepEqual(r['ec2:DescribeInstances']!.MatchedStatements![0]!.StartPosition, pos(1, 38));
  assert.deepEqual(r['iam:ListUsers']!.MatchedStatements, [
    { SourcePolicyId: 'ReadOnlyIam', SourcePolicyType: 'IAM Policy', StartPosition: pos(1, 38), EndPosition: pos(1, 38 + JSON.stringify({ Effect: 'Allow', Action: 'iam:List*', Resource: '*' }).length) },
  ]);

  const g = byAction(await principal(`arn:aws:iam::${acct}:group/devs`, ['ec2:DescribeInstances', 's3:ListBucket']));
  assert.equal(g['ec2:DescribeInstances']!.EvalDecision, 'allowed');
  assert.equal(g['s3:ListBucket']!.EvalDecision, 'implicitDeny', "the members' own policies are not the group's");
});

test('${aws:username} is the simulated user; ResourceArns give per-resource results; ContextEntries can name another user', async () => {
  const alice = `arn:aws:iam::${acct}:user/staff/alice`;
  const bob = `arn:aws:iam::${acct}:user/staff/bob`;
  const carol = `arn:aws:iam::${acct}:user/carol`;
  const [one] = await principal(aliceArn, ['iam:GetUser'], { ResourceArns: [alice] });
  assert.equal(one!.EvalDecision, 'allowed');
  assert.equal(one!.EvalResourceName, alice);
  assert.deepEqual(one!.EvalDecisionDetails, {});
  assert.deepEqual(one!.MatchedStatements, [
    { SourcePolicyId: 'user_alice_AlicePolicy', SourcePolicyType: 'IAM Policy', StartPosition: pos(3, 17), EndPosition: pos(9, 6) },
  ]);
  assert.deepEqual(
    one!.ResourceSpecificResults!.map((x) => [x.EvalResourceName, x.EvalResourceDecision, x.MatchedStatements!.length]),
    [[alice, 'allowed', 1]],
  );

  const [two] = await principal(aliceArn, ['iam:GetUser'], { ResourceArns: [alice, bob] });
  assert.deepEqual(
    two!.ResourceSpecificResults!.map((x) => [x.EvalResourceName, x.EvalResourceDecision]),
    [[alice, 'allowed'], [bob, 'implicitDeny']],
  );
  assert.equal(two!.EvalDecision, 'allowed');
  assert.equal(two!.EvalResourceName, 'arn:aws:iam::${Account}:user/${UserNameWithPath}');
  assert.deepEqual(two!.MatchedStatements, []);

  const [asBob] = await principal(aliceArn, ['iam:GetUser'], {
    ResourceArns: [bob],
    ContextEntries: [{ ContextKeyName: 'aws:username', ContextKeyValues: ['bob'], ContextKeyType: 'string' }],
  });
  assert.equal(asBob!.EvalDecision, 'allowed');

  // A role or group has no user name: the variable is missing, and reported so.
  await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'Self', PolicyDocument: allow('iam:GetUser', 'arn:aws:iam::*:user/${aws:username}') }));
  const [role] = await principal(`arn:aws:iam::${acct}:role/worker`, ['iam:GetUser'], { ResourceArns: [carol] });
  assert.equal(role!.EvalDecision, 'implicitDeny');
  assert.deepEqual(role!.ResourceSpecificResults![0]!.MissingContextValues, ['aws:username']);
  const [roleOk] = await principal(`arn:aws:iam::${acct}:role/worker`, ['iam:GetUser'], { ResourceArns: [carol], CallerArn: carol });
  assert.equal(roleOk!.EvalDecision, 'allowed');
  assert.equal(roleOk!.MatchedStatements![0]!.SourcePolicyId, 'role_worker_Self');
});

test('permissions boundaries: the entity\'s own, or the one given in PermissionsBoundaryPolicyInputList', async () => {
  const b = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Ec2Only', PolicyDocument: allow('ec2:*') }))).Policy!;
  await iam.send(new CreateUserCommand({ UserName: 'bounded' }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'bounded', PolicyArn: (await iam.send(new CreatePolicyCommand({ PolicyName: 'Everything', PolicyDocument: allow('*') }))).Policy!.Arn }));
  await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: b.Arn }));
  const arn = `arn:aws:iam::${acct}:user/bounded`;

  const r = byAction(await principal(arn, ['ec2:RunInstances', 's3:ListBucket']));
  assert.equal(r['ec2:RunInstances']!.EvalDecision, 'allowed');
  assert.deepEqual(r['ec2:RunInstances']!.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: true });
  assert.deepEqual(r['ec2:RunInstances']!.MatchedStatements!.map((m) => m.SourcePolicyId).sort(), ['Ec2Only', 'Everything']);
  assert.equal(r['s3:ListBucket']!.EvalDecision, 'implicitDeny');
  assert.deepEqual(r['s3:ListBucket']!.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: false });

  // A boundary given in the request replaces the entity's.
  const given = byAction(await principal(arn, ['ec2:RunInstances', 's3:ListBucket'], { PermissionsBoundaryPolicyInputList: [allow('s3:*')] }));
  assert.equal(given['ec2:RunInstances']!.EvalDecision, 'implicitDeny');
  assert.equal(given['s3:ListBucket']!.EvalDecision, 'allowed');
  assert.ok(given['s3:ListBucket']!.MatchedStatements!.some((m) => m.SourcePolicyId === 'PermissionsBoundaryPolicyInputList.1'));

  // A deny in the boundary is an explicit deny.
  const deny = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' }] });
  const [d] = await principal(arn, ['s3:DeleteBucket'], { PermissionsBoundaryPolicyInputList: [deny] });
  assert.equal(d!.EvalDecision, 'explicitDeny');
  assert.deepEqual(d!.MatchedStatements!.map((m) => m.SourcePolicyId), ['PermissionsBoundaryPolicyInputList.1']);

  await rejectsWith(
    principal(arn, ['s3:ListBucket'], { PermissionsBoundaryPolicyInputList: [allow('s3:*'), allow('ec2:*')] }),
    'InvalidInputException', 400, 'The list of Permissions Boundary policies cannot exceed 1 items.',
  );
});

test('custom policies: the CLI example (positions as AWS answers), ContextEntries and MissingContextValues', async () => {
  // aws iam simulate-custom-policy's documented example: allowed at 1:38-1:167, or implicitDeny.
  const doc = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';
  const sim = async (extra: Record<string, unknown>) =>
    (await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [doc], ActionNames: ['dynamodb:CreateBackup'], ...extra }))).EvaluationResults![0]!;
  const ok = await sim({ ContextEntries: [{ ContextKeyName: 'aws:CurrentTime', ContextKeyValues: ['2019-04-25T11:00:00Z'], ContextKeyType: 'date' }] });
  assert.equal(ok.EvalDecision, 'allowed');
  assert.deepEqual(ok.MatchedStatements, [{ SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'IAM Policy', StartPosition: pos(1, 38), EndPosition: pos(1, 167) }]);
  assert.deepEqual(ok.MissingContextValues, []);
  const early = await sim({ ContextEntries: [{ ContextKeyName: 'aws:CurrentTime', ContextKeyValues: ['2014-04-25T11:00:00Z'], ContextKeyType: 'date' }] });
  assert.equal(early.EvalDecision, 'implicitDeny');
  assert.deepEqual(early.MissingContextValues, []);
  // Without the key, the condition cannot hold and the key is reported as written in the policy.
  const missing = await sim({});
  assert.equal(missing.EvalDecision, 'implicitDeny');
  assert.deepEqual(missing.MissingContextValues, ['aws:CurrentTime']);

  // Typed, multivalued keys.
  const tagged = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] }, NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' }, Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }],
  });
  const t = async (keys: string[], age: string, mfa: string) =>
    (await iam.send(new SimulateCustomPolicyCommand({
      PolicyInputList: [tagged],
      ActionNames: ['ec2:CreateTags'],
      ContextEntries: [
        { ContextKeyName: 'aws:TagKeys', ContextKeyValues: keys, ContextKeyType: 'stringList' },
        { ContextKeyName: 'aws:MultiFactorAuthAge', ContextKeyValues: [age], ContextKeyType: 'numeric' },
        { ContextKeyName: 'aws:MultiFactorAuthPresent', ContextKeyValues: [mfa], ContextKeyType: 'boolean' },
      ],
    }))).EvaluationResults![0]!.EvalDecision;
  assert.equal(await t(['env'], '60', 'true'), 'allowed');
  assert.equal(await t(['env', 'owner'], '60', 'true'), 'implicitDeny');
  assert.equal(await t(['team'], '7200', 'true'), 'implicitDeny');
  assert.equal(await t(['team'], '60', 'FALSE'), 'implicitDeny');
});

test('custom policies with a resource policy: the bucket-policy responses AWS published', async () => {
  const role = `arn:aws:iam::${acct}:role/tims-test-role`;
  // The identity policy as Python's json.dumps writes it; the bucket policy as S3 stores it (one line).
  const identity = '{"Version": "2012-10-17", "Statement": [{"Sid": "s3", "Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": ["arn:aws:s3:::tims-fancy-bucket/only-here/*"]}]}';
  const bucket = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: '*', Resource: ['arn:aws:s3:::tims-fancy-bucket/*', 'arn:aws:s3:::tims-fancy-bucket'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: 'DenyTimDelete', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::tims-fancy-bucket/*', Condition: { ArnLike: { 'aws:PrincipalArn': role } } },
    ],
  });
  const sim = async (secure: string) =>
    byAction((await iam.send(new SimulateCustomPolicyCommand({
      PolicyInputList: [identity],
      CallerArn: `arn:aws:iam::${acct}:user/dummy`,
      ActionNames: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      ResourceArns: ['arn:aws:s3:::tims-fancy-bucket/only-here/some-obj'],
      ResourcePolicy: bucket,
      ContextEntries: [
        { ContextKeyName: 'aws:principalarn', ContextKeyValues: [role], ContextKeyType: 'string' },
        { ContextKeyName: 'aws:SecureTransport', ContextKeyValues: [secure], ContextKeyType: 'boolean' },
      ],
    }))).EvaluationResults!);
  const r = await sim('true');
  assert.equal(r['s3:GetObject']!.EvalDecision, 'allowed');
  assert.deepEqual(r['s3:GetObject']!.MatchedStatements, [{ SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'IAM Policy', StartPosition: pos(1, 41), EndPosition: pos(1, 180) }]);
  assert.equal(r['s3:PutObject']!.EvalDecision, 'implicitDeny');
  assert.equal(r['s3:DeleteObject']!.EvalDecision, 'explicitDeny');
  assert.deepEqual(r['s3:DeleteObject']!.MatchedStatements![0], { SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'Resource Policy', StartPosition: pos(1, 248), EndPosition: pos(1, 470) });
  const insecure = await sim('false');
  assert.equal(insecure['s3:GetObject']!.EvalDecision, 'explicitDeny');
  assert.deepEqual(insecure['s3:GetObject']!.MatchedStatements![0], { SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'Resource Policy', StartPosition: pos(1, 38), EndPosition: pos(1, 248) });

  // A resource policy naming the caller allows on its own (same account); naming someone else does not.
  const grant = (who: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: who }, Action: 'sqs:SendMessage', Resource: '*' }] });
  const viaResource = async (who: string) =>
    (await iam.send(new SimulateCustomPolicyCommand({
      PolicyInputList: [allow('s3:ListBucket')],
      CallerArn: `arn:aws:iam::${acct}:user/dummy`,
      ActionNames: ['sqs:SendMessage'],
      ResourceArns: [`arn:aws:sqs:us-east-1:${acct}:queue1`],
      ResourcePolicy: grant(who),
    }))).EvaluationResults![0]!;
  const yes = await viaResource(`arn:aws:iam::${acct}:user/dummy`);
  assert.equal(yes.EvalDecision, 'allowed');
  assert.deepEqual(yes.MatchedStatements!.map((m) => m.SourcePolicyType), ['Resource Policy']);
  assert.equal((await viaResource(`arn:aws:iam::${acct}:user/someone`)).EvalDecision, 'implicitDeny');

  // The Principal needs a caller.
  await rejectsWith(
    iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [allow('s3:*')], ActionNames: ['s3:GetObject'], ResourcePolicy: grant('*') })),
    'InvalidInputException', 400, 'Invalid caller - Caller must be an IAM user in this context.',
  );
  await rejectsWith(
    principal(`arn:aws:iam::${acct}:group/devs`, ['s3:GetObject'], { ResourcePolicy: grant('*') }),
    'InvalidInputException', 400, 'Invalid caller - Caller must be an IAM user in this context.',
  );
});

test('GetContextKeysForCustomPolicy / GetContextKeysForPrincipalPolicy', async () => {
  // The CLI's documented example.
  const doc = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}';
  const other = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'AWS:USERNAME': 'x', 's3:prefix': '${aws:PrincipalTag/team}' } } }],
  });
  const old = JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${aws:userid}' }] });
  const custom = await iam.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [doc, other, old] }));
  assert.deepEqual(custom.ContextKeyNames, ['aws:username', 'aws:CurrentTime', 's3:prefix', 'aws:PrincipalTag/team']);

  const p = await iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: aliceArn }));
  assert.deepEqual(p.ContextKeyNames, ['aws:username']);
  const withInput = await iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: aliceArn, PolicyInputList: [doc] }));
  assert.deepEqual(withInput.ContextKeyNames, ['aws:username', 'aws:CurrentTime']);

  await rejectsWith(iam.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: ['{"Version":'] })), 'InvalidInputException', 400, 'Syntax errors in policy.');
});

test('errors, and paging with MaxItems and Marker', async () => {
  await rejectsWith(principal(`arn:aws:iam::${acct}:user/nobody`, ['s3:GetObject']), 'NoSuchEntityException', 404, 'The user with name nobody cannot be found.');
  await rejectsWith(principal(`arn:aws:iam::${acct}:role/nobody`, ['s3:GetObject']), 'NoSuchEntityException', 404, 'The role with name nobody cannot be found.');
  const policyArn = `arn:aws:iam::${acct}:policy/ReadOnlyIam`;
  await rejectsWith(principal(policyArn, ['s3:GetObject']), 'InvalidInputException', 400, `Invalid Entity Arn: ${policyArn} does not clearly define entity type and name.`);
  await rejectsWith(
    iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] })], ActionNames: ['s3:GetObject'] })),
    'InvalidInputException', 400, 'Policy statement must contain resources.',
  );

  const actions = ['s3:ListBucket', 's3:DeleteBucket', 'sqs:SendMessage'];
  const first = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: aliceArn, ActionNames: actions, MaxItems: 2 }));
  assert.equal(first.IsTruncated, true);
  assert.deepEqual(first.EvaluationResults!.map((r) => r.EvalActionName), actions.slice(0, 2));
  const second = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: aliceArn, ActionNames: actions, MaxItems: 2, Marker: first.Marker }));
  assert.equal(second.IsTruncated, false);
  assert.equal(second.Marker, undefined);
  assert.deepEqual(second.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalDecision]), [['sqs:SendMessage', 'implicitDeny']]);
});

test('the simulation agrees with what the same user is allowed to do for real', async () => {
  await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'Simulate', PolicyDocument: allow('iam:SimulatePrincipalPolicy') }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  const asAlice = new IAMClient(sdkConfig(s, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }));
  try {
    const rs = byAction((await asAlice.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: aliceArn,
      ActionNames: ['iam:GetUser'],
      ResourceArns: [aliceArn],
    }))).EvaluationResults!);
    assert.equal(rs['iam:GetUser']!.EvalDecision, 'allowed');
    assert.equal((await asAlice.send(new GetUserCommand({ UserName: 'alice' }))).User!.UserName, 'alice');
    const [bob] = await principal(aliceArn, ['iam:GetUser'], { ResourceArns: [`arn:aws:iam::${acct}:user/nobody-else`] });
    assert.equal(bob!.EvalDecision, 'implicitDeny');
    await rejectsWith(asAlice.send(new GetUserCommand({ UserName: 'nobody-else' })), 'AccessDenied', 403);
  } finally {
    asAlice.destroy();
  }
});

test('AWS CLI v2: simulate-principal-policy and get-context-keys-for-custom-policy', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const r = await runAwsCli(s, ['iam', 'simulate-principal-policy', '--policy-source-arn', aliceArn, '--action-names', 's3:ListBucket', 's3:DeleteBucket', 'sqs:SendMessage']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    r.json.EvaluationResults.map((x: any) => [x.EvalActionName, x.EvalResourceName, x.EvalDecision]),
    [['s3:ListBucket', '*', 'allowed'], ['s3:DeleteBucket', '*', 'explicitDeny'], ['sqs:SendMessage', '*', 'implicitDeny']],
  );
  assert.deepEqual(r.json.EvaluationResults[1].MatchedStatements, [
    { SourcePolicyId: 'user_alice_AlicePolicy', SourcePolicyType: 'IAM Policy', StartPosition: pos(15, 6), EndPosition: pos(21, 6) },
  ]);
  assert.deepEqual(r.json.EvaluationResults[2].MatchedStatements, []);
  assert.deepEqual(r.json.EvaluationResults[2].MissingContextValues, []);

  const k = await runAwsCli(s, ['iam', 'get-context-keys-for-custom-policy', '--policy-input-list', allow('s3:*', 'arn:aws:s3:::b/${aws:username}/*')]);
  assert.equal(k.status, 0, k.stderr);
  assert.deepEqual(k.json, { ContextKeyNames: ['aws:username'] });
});
