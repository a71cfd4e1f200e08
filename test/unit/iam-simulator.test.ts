/**
 * The simulator's pure helpers: AWS's statement positions, context keys a policy references,
 * SourcePolicyId naming, ContextEntries typing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, isProblem, type ParsedPolicy } from '../../src/policy/document.js';
import { awsPositions, collectContextKeys, contextFromEntries, sourcePolicyId } from '../../src/services/iam/simulator.js';

function parsed(text: string): ParsedPolicy {
  const p = parsePolicy(text, 'identity');
  assert.ok(!isProblem(p));
  return p;
}
const positions = (text: string) => parsed(text).statements.map((st) => awsPositions(text, st.start, st.end));
const p = (Line: number, Column: number) => ({ Line, Column });

test('positions: after `[` for the first statement, after the previous `}` for the next, after `{` for a lone object', () => {
  const oneLine = '{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"} , {"Effect":"Allow","Action":"a:c","Resource":"*"}]}';
  const [a, b] = positions(oneLine);
  assert.deepEqual(a, { StartPosition: p(1, 15), EndPosition: p(1, 63) });
  assert.deepEqual(b, { StartPosition: p(1, 63), EndPosition: p(1, 114) });

  const lone = '{"Statement": {"Effect":"Allow","Action":"a:b","Resource":"*"}}';
  assert.deepEqual(positions(lone)[0], { StartPosition: p(1, 16), EndPosition: p(1, 63) });

  // Lines count from 1; CRLF line ends count as one line break.
  const crlf = '{\r\n "Statement": [\r\n  {"Effect":"Allow","Action":"a:b","Resource":"*"}\r\n ]\r\n}';
  assert.deepEqual(positions(crlf)[0], { StartPosition: p(2, 16), EndPosition: p(3, 51) });
});

test('context keys: resource variables, condition keys and value variables in order, first spelling kept', () => {
  const keys = new Map<string, string>();
  collectContextKeys(
    parsed(JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::b/${aws:username}/${*}', Condition: { StringLike: { 's3:prefix': ['${aws:userid}/*', 'home/'] }, Null: { 'aws:TokenIssueTime': 'false' } } },
        { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'AWS:UserName': 'x', 'aws:PrincipalTag/Team': "${aws:PrincipalTag/dept, 'none'}" } } },
      ],
    })),
    keys,
  );
  assert.deepEqual([...keys.values()], ['aws:username', 's3:prefix', 'aws:userid', 'aws:TokenIssueTime', 'aws:PrincipalTag/Team', 'aws:PrincipalTag/dept']);

  // Version 2008-10-17 has no variables.
  const old = new Map<string, string>();
  collectContextKeys(parsed(JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${aws:username}' }] })), old);
  assert.deepEqual([...old.values()], []);
});

test('SourcePolicyId: managed by name, inline as <kind>_<entity>_<policy>', () => {
  assert.equal(sourcePolicyId('arn:aws:iam::aws:policy/job-function/ViewOnlyAccess'), 'ViewOnlyAccess');
  assert.equal(sourcePolicyId('arn:aws:iam::123456789012:policy/team/Mine'), 'Mine');
  assert.equal(sourcePolicyId('user/alice/AlicePolicy'), 'user_alice_AlicePolicy');
  assert.equal(sourcePolicyId('group/devs/GroupPol'), 'group_devs_GroupPol');
  assert.equal(sourcePolicyId('role/worker/Self'), 'role_worker_Self');
});

test('ContextEntries: list types are multivalued, booleans normalised, a later entry replaces an earlier one', () => {
  assert.deepEqual(
    contextFromEntries(
      [
        { ContextKeyName: 'aws:TagKeys', ContextKeyValues: ['a'], ContextKeyType: 'stringList' },
        { ContextKeyName: 'aws:SecureTransport', ContextKeyValues: ['TRUE'], ContextKeyType: 'boolean' },
        { ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['10.0.0.1'], ContextKeyType: 'ip' },
        { ContextKeyName: 'AWS:SOURCEIP', ContextKeyValues: ['10.0.0.2'], ContextKeyType: 'ip' },
      ],
      { 'aws:username': 'alice' },
    ),
    { 'aws:username': 'alice', 'aws:tagkeys': ['a'], 'aws:securetransport': 'true', 'aws:sourceip': '10.0.0.2' },
  );
});
