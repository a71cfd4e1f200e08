import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileGlob,
  escapeGlob,
  globMatch,
  hasWildcard,
  policyPattern,
  unescapeGlob,
} from '../../src/policy/glob.js';

// [pattern, value, ignoreCase, expected, documented behaviour]
const rows: [string, string, boolean, boolean, string][] = [
  ['*', '', false, true, '"*" alone matches everything, also the empty string'],
  ['*', 'arn:aws:s3:::b/k', false, true, '"*" alone matches everything'],
  ['iam:Get*', 'iam:GetUser', false, true, '* matches any run of characters'],
  ['iam:Get*', 'iam:Get', false, true, '* matches the empty run'],
  ['iam:Get*', 'iam:ListUsers', false, false, 'literal prefix must match'],
  ['iam:Get*', 'IAM:GETUSER', true, true, 'actions compare case-insensitively'],
  ['iam:Get*', 'IAM:GETUSER', false, false, 'case-sensitive by default (resources)'],
  ['*User', 'iam:GetUser', false, true, '*suffix'],
  ['*User', 'iam:GetUsers', false, false, '*suffix must end the value'],
  ['ec2:*Instance?', 'ec2:RunInstances', false, true, '? matches exactly one character'],
  ['ec2:*Instance?', 'ec2:RunInstance', false, false, '? does not match the empty run'],
  ['a?c', 'abc', false, true, '? one character'],
  ['a?c', 'abbc', false, false, '? exactly one character'],
  ['bucket/*/test/*', 'bucket/1/2/test/3/x', false, true, '* spans slashes (Resource element doc)'],
  ['bucket/*/test/*', 'bucket//test/x', false, true, '* may match empty between slashes'],
  ['bucket/*/test/*', 'bucket/1/test/', false, true, 'trailing * matches empty'],
  ['bucket/*/test/*', 'bucket/test/x', false, false, 'both slashes around * are literal'],
  ['a*b*c', 'aXXbYYbZZc', false, true, 'backtracking over several stars'],
  ['a*b*c', 'aXXbYYbZZ', false, false, 'must end with c'],
  ['*a*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', false, false, 'pathological pattern stays linear-ish'],
  ['\\*', '*', false, true, 'escaped * is literal'],
  ['\\*', 'x', false, false, 'escaped * is not a wildcard'],
  ['a\\?', 'a?', false, true, 'escaped ? is literal'],
  ['a\\?', 'ab', false, false, 'escaped ? is not a wildcard'],
  ['a\\\\b', 'a\\b', false, true, 'escaped backslash is one literal backslash'],
  ['x*\\*', 'xyz*', false, true, 'escape after star'],
  ['x*\\*', 'xyz', false, false, 'escape after star requires literal *'],
  ['ÉTÉ*', 'été-2024', true, true, 'non-ASCII letters fold too when ignoring case'],
  ['s3:GetObject', 's3:getobject', true, true, 'literal action, case-insensitive'],
  ['s3:GetObject', 's3:GetObjectAcl', true, false, 'literal must match whole value'],
];

for (const [pattern, value, ci, expected, why] of rows) {
  test(`glob ${JSON.stringify(pattern)} ${ci ? '(ci) ' : ''}vs ${JSON.stringify(value)} → ${expected}: ${why}`, () => {
    assert.equal(compileGlob(pattern, { ignoreCase: ci })(value), expected);
    assert.equal(globMatch(pattern, value, ci), expected, 'one-shot matcher agrees');
  });
}

test('escapeGlob makes every character literal', () => {
  for (const lit of ['a*b', '?', 'back\\slash', 'plain', '*?\\']) {
    const p = escapeGlob(lit);
    assert.equal(hasWildcard(p), false);
    assert.equal(compileGlob(p)(lit), true);
    assert.equal(unescapeGlob(p), lit);
  }
  assert.equal(compileGlob(escapeGlob('a*'))('abc'), false);
});

test('hasWildcard sees only unescaped * and ?', () => {
  assert.equal(hasWildcard('abc'), false);
  assert.equal(hasWildcard('a*c'), true);
  assert.equal(hasWildcard('a?c'), true);
  assert.equal(hasWildcard('a\\*c'), false);
  assert.equal(hasWildcard('a\\\\*c'), true);
});

test('policyPattern keeps wildcards and makes a policy backslash literal', () => {
  const p = policyPattern('dir\\*');
  assert.equal(compileGlob(p)('dir\\anything'), true);
  assert.equal(compileGlob(p)('dir*'), false);
  assert.equal(policyPattern('no-escape*'), 'no-escape*');
});
