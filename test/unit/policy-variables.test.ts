import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate } from '../../src/policy/variables.js';
import { EMPTY_CONTEXT, makeContext, singleValue } from '../../src/policy/context.js';
import { compileGlob } from '../../src/policy/glob.js';

const ctx = makeContext(
  {
    'aws:username': 'bob',
    'aws:PrincipalTag/Team': 'blue',
    'aws:userid': 'AIDA*?EXAMPLE',
    'aws:TagKeys': ['a', 'b'],
    's3:prefix': 'home/',
    'aws:PrincipalTag/empty': '',
  },
  ['aws:sourcevpce-multi'],
);

// [template, version, text, pattern, documented behaviour]
const rows: [string, '2012-10-17' | '2008-10-17', string | undefined, string | undefined, string][] = [
  ['home/${aws:username}/*', '2012-10-17', 'home/bob/*', 'home/bob/*', 'variable substituted, wildcard kept in literal part'],
  ['${AWS:UserName}', '2012-10-17', 'bob', 'bob', 'key names are case-insensitive'],
  ['${aws:principaltag/team}', '2012-10-17', 'blue', 'blue', 'tag-key part is case-insensitive too'],
  ['${aws:PrincipalTag/dept}', '2012-10-17', undefined, undefined, 'absent key without default: no value'],
  ["${aws:PrincipalTag/dept, 'company-wide'}", '2012-10-17', 'company-wide', 'company-wide', 'default used when the key is absent'],
  ["${aws:PrincipalTag/team, 'company-wide'}", '2012-10-17', 'blue', 'blue', 'default ignored when the key is present'],
  ["${ aws:PrincipalTag/dept ,  'x' }", '2012-10-17', 'x', 'x', 'whitespace around key, comma and quotes ignored'],
  ["${aws:PrincipalTag/dept, 'it''s'}", '2012-10-17', "it's", "it's", "'' inside a default is one quote"],
  ["${aws:PrincipalTag/dept, 'a*b'}", '2012-10-17', 'a*b', 'a\\*b', 'default text is literal (no wildcard)'],
  ['${aws:PrincipalTag/empty}', '2012-10-17', '', '', 'a present empty value substitutes the empty string'],
  ['${aws:TagKeys}', '2012-10-17', undefined, undefined, 'multivalued keys cannot be variables'],
  ["${aws:TagKeys, 'd'}", '2012-10-17', 'd', 'd', 'multivalued key falls back to the default'],
  ['${*}', '2012-10-17', '*', '\\*', '${*} is a literal *'],
  ['${?}', '2012-10-17', '?', '\\?', '${?} is a literal ?'],
  ['${$}', '2012-10-17', '$', '$', '${$} is a literal $'],
  ['a${*}b*', '2012-10-17', 'a*b*', 'a\\*b*', 'special chars literal, other wildcards kept'],
  ['${aws:userid}', '2012-10-17', 'AIDA*?EXAMPLE', 'AIDA\\*\\?EXAMPLE', 'substituted values are literal in patterns'],
  ['home/${aws:username}/*', '2008-10-17', 'home/${aws:username}/*', 'home/${aws:username}/*', 'Version 2008-10-17: no substitution'],
  ['${*}', '2008-10-17', '${*}', '${*}', 'Version 2008-10-17: ${*} stays text, its * a wildcard'],
  ['x/${aws:username', '2012-10-17', 'x/${aws:username', 'x/${aws:username', 'unterminated ${ is literal text'],
  ['${}', '2012-10-17', '${}', '${}', 'empty placeholder is literal text'],
  ["${aws:username, nodefault}", '2012-10-17', "${aws:username, nodefault}", "${aws:username, nodefault}", 'unquoted default is malformed: literal'],
  ['$${aws:username}', '2012-10-17', '$bob', '$bob', 'a lone $ before a placeholder is literal'],
  ['back\\slash/${aws:username}', '2012-10-17', 'back\\slash/bob', 'back\\\\slash/bob', 'a policy backslash is a literal character'],
  ["${aws:username, '${aws:userid}'}", '2012-10-17', 'bob', 'bob', 'one round of substitution'],
  ["${aws:PrincipalTag/dept, '${aws:userid}'}", '2012-10-17', '${aws:userid}', '${aws:userid}', 'default not substituted again'],
];

for (const [tpl, version, text, pattern, why] of rows) {
  test(`template ${JSON.stringify(tpl)} (${version}): ${why}`, () => {
    const t = compileTemplate(tpl, version);
    assert.equal(t.renderText(ctx), text);
    assert.equal(t.renderPattern(ctx), pattern);
  });
}

test('constant templates report no keys and ignore the context', () => {
  const t = compileTemplate('arn:aws:s3:::b/*', '2012-10-17');
  assert.equal(t.constant, true);
  assert.deepEqual(t.keys, []);
  assert.equal(t.renderText(EMPTY_CONTEXT), 'arn:aws:s3:::b/*');
  const old = compileTemplate('${aws:username}', '2008-10-17');
  assert.equal(old.constant, true);
});

test('variable templates list lower-cased keys and their variables', () => {
  const t = compileTemplate("${AWS:username}/${aws:PrincipalTag/Team, 'x'}/${aws:UserName}", '2012-10-17');
  assert.equal(t.constant, false);
  assert.deepEqual(t.keys, ['aws:username', 'aws:principaltag/team']);
  assert.equal(t.vars.length, 3);
  assert.equal(t.vars[1]!.def, 'x');
  assert.equal(t.vars[0]!.name, 'AWS:username');
});

test('2008-10-17: ${...} text matches only itself, wildcards still work', () => {
  const m = compileGlob(compileTemplate('home/${aws:username}/*', '2008-10-17').renderPattern(ctx)!);
  assert.equal(m('home/${aws:username}/file'), true);
  assert.equal(m('home/bob/file'), false);
});

test('2012-10-17: a substituted value containing * matches only literally', () => {
  const m = compileGlob(compileTemplate('id/${aws:userid}', '2012-10-17').renderPattern(ctx)!);
  assert.equal(m('id/AIDA*?EXAMPLE'), true);
  assert.equal(m('id/AIDAxyEXAMPLE'), false);
});

test('makeContext: case-insensitive keys, arrays multivalued, scalars rendered', () => {
  const c = makeContext(
    { 'AWS:SourceIp': '1.2.3.4', 'aws:MultiFactorAuthPresent': true, 'aws:EpochTime': 1700000000, 'aws:CurrentTime': new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), 'aws:TagKeys': ['x'], 'x:absent': undefined, 'ec2:Single': 'v' },
    ['ec2:single'],
  );
  assert.deepEqual(c.get('aws:sourceip'), ['1.2.3.4']);
  assert.deepEqual(c.get('AWS:SOURCEIP'), ['1.2.3.4']);
  assert.deepEqual(c.get('aws:multifactorauthpresent'), ['true']);
  assert.deepEqual(c.get('aws:epochtime'), ['1700000000']);
  assert.deepEqual(c.get('aws:currenttime'), ['2024-01-02T03:04:05Z']);
  assert.equal(c.get('x:absent'), undefined);
  assert.equal(c.isMulti('aws:TagKeys'), true);
  assert.equal(c.isMulti('ec2:Single'), true, 'multiKeys marks a key multivalued');
  assert.equal(c.isMulti('aws:SourceIp'), false);
  assert.equal(singleValue(c, 'aws:tagkeys'), undefined);
  assert.equal(singleValue(c, 'aws:sourceip'), '1.2.3.4');
  assert.equal(EMPTY_CONTEXT.get('aws:username'), undefined);
});
