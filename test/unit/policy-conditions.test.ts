import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALWAYS, compileConditions, parseOperator, type CompiledConditions } from '../../src/policy/conditions/index.js';
import { parseDate } from '../../src/policy/conditions/date.js';
import { parseCidr } from '../../src/policy/conditions/ip.js';
import { makeContext, type ContextInput } from '../../src/policy/context.js';
import type { PolicyProblem, PolicyVersion } from '../../src/policy/types.js';

function compile(cond: unknown, version: PolicyVersion = '2012-10-17'): CompiledConditions {
  const c = compileConditions(cond, version);
  if ('code' in c) throw new Error(`unexpected problem: ${(c as PolicyProblem).message}`);
  return c;
}

type Row = [why: string, cond: Record<string, unknown>, ctx: ContextInput, expected: boolean, version?: PolicyVersion];

function table(name: string, rows: Row[]): void {
  for (const [why, cond, ctx, expected, version] of rows) {
    test(`${name}: ${why}`, () => {
      const c = compile(cond, version);
      assert.equal(c.evaluate(makeContext(ctx)), expected);
      // Recording missing keys must not change the outcome.
      assert.equal(c.evaluate(makeContext(ctx), []), expected);
    });
  }
}

const U = { 'aws:username': 'bob' };

table('String', [
  ['StringEquals exact match', { StringEquals: { 'aws:username': 'bob' } }, U, true],
  ['StringEquals is case-sensitive', { StringEquals: { 'aws:username': 'Bob' } }, U, false],
  ['StringEquals treats * literally', { StringEquals: { 'aws:username': 'b*' } }, U, false],
  ['StringEquals several values are OR', { StringEquals: { 'aws:username': ['alice', 'bob'] } }, U, true],
  ['StringEquals five+ values (set path)', { StringEquals: { 'aws:username': ['a', 'b', 'c', 'd', 'e', 'bob'] } }, U, true],
  ['StringEquals missing key → false', { StringEquals: { 'aws:username': 'bob' } }, {}, false],
  ['StringNotEquals different value → true', { StringNotEquals: { 'aws:username': 'alice' } }, U, true],
  ['StringNotEquals same value → false', { StringNotEquals: { 'aws:username': 'bob' } }, U, false],
  ['StringNotEquals several values are NOR', { StringNotEquals: { 'aws:username': ['alice', 'bob'] } }, U, false],
  ['StringNotEquals missing key → true', { StringNotEquals: { 'aws:username': 'bob' } }, {}, true],
  ['StringEqualsIgnoreCase ignores case', { StringEqualsIgnoreCase: { 'aws:username': 'BOB' } }, U, true],
  ['StringNotEqualsIgnoreCase same ignoring case → false', { StringNotEqualsIgnoreCase: { 'aws:username': 'BoB' } }, U, false],
  ['StringNotEqualsIgnoreCase different → true', { StringNotEqualsIgnoreCase: { 'aws:username': 'al' } }, U, true],
  ['StringLike * wildcard', { StringLike: { 'aws:username': 'b*' } }, U, true],
  ['StringLike ? wildcard', { StringLike: { 'aws:username': 'b?b' } }, U, true],
  ['StringLike must match whole value', { StringLike: { 'aws:username': 'b?' } }, U, false],
  ['StringLike is case-sensitive', { StringLike: { 'aws:username': 'B*' } }, U, false],
  ['StringLike * spans colons (unlike ARN operators)', { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::1:user/x' }, true],
  ['StringNotLike no pattern matches → true', { StringNotLike: { 'aws:username': ['a*', 'c*'] } }, U, true],
  ['StringNotLike a pattern matches → false', { StringNotLike: { 'aws:username': ['a*', 'b*'] } }, U, false],
  ['StringNotLike missing key → true', { StringNotLike: { 'aws:username': 'b*' } }, {}, true],
  ['key names case-insensitive', { StringEquals: { 'AWS:UserName': 'bob' } }, U, true],
  ['tag-key part case-insensitive', { StringEquals: { 'aws:PrincipalTag/TEAM': 'blue' } }, { 'aws:principaltag/team': 'blue' }, true],
  ['tag values stay case-sensitive', { StringEquals: { 'aws:PrincipalTag/team': 'Blue' } }, { 'aws:principaltag/team': 'blue' }, false],
  ['number values unquoted compare as text', { StringEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': '10' }, true],
  ['empty value list: positive operator never matches', { StringEquals: { 'aws:username': [] } }, U, false],
  ['empty value list: negated operator always matches', { StringNotEquals: { 'aws:username': [] } }, U, true],
]);

table('IfExists', [
  ['StringEqualsIfExists absent → true', { StringEqualsIfExists: { 'ec2:InstanceType': 't2.micro' } }, {}, true],
  ['StringEqualsIfExists present and equal → true', { StringEqualsIfExists: { 'ec2:InstanceType': 't2.micro' } }, { 'ec2:InstanceType': 't2.micro' }, true],
  ['StringEqualsIfExists present and different → false', { StringEqualsIfExists: { 'ec2:InstanceType': 't2.micro' } }, { 'ec2:InstanceType': 'm5.large' }, false],
  ['StringNotEqualsIfExists absent → true', { StringNotEqualsIfExists: { 'aws:username': 'bob' } }, {}, true],
  ['StringLikeIfExists absent → true', { StringLikeIfExists: { 'aws:username': 'x*' } }, {}, true],
  ['NumericLessThanIfExists absent → true', { NumericLessThanIfExists: { 's3:max-keys': '10' } }, {}, true],
  ['NumericLessThanIfExists present → normal test', { NumericLessThanIfExists: { 's3:max-keys': '10' } }, { 's3:max-keys': '11' }, false],
  ['DateLessThanIfExists absent → true', { DateLessThanIfExists: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } }, {}, true],
  ['BoolIfExists absent → true (MFA with long-term keys)', { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }, {}, true],
  ['plain Bool absent → false (MFA deny does not fire for long-term keys)', { Bool: { 'aws:MultiFactorAuthPresent': 'false' } }, {}, false],
  ['BinaryEqualsIfExists absent → true', { BinaryEqualsIfExists: { 'x:bin': 'QmluYXJ5' } }, {}, true],
  ['IpAddressIfExists absent → true', { IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } }, {}, true],
  ['NotIpAddressIfExists present in range → false', { NotIpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '10.1.1.1' }, false],
  ['ArnLikeIfExists absent → true', { ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:sns:*:*:t' } }, {}, true],
  ['ArnNotEqualsIfExists absent → true', { ArnNotEqualsIfExists: { 'aws:SourceArn': 'arn:aws:sns:*:*:t' } }, {}, true],
]);

table('Numeric', [
  ['NumericEquals 10 == 10.0', { NumericEquals: { 's3:max-keys': '10.0' } }, { 's3:max-keys': '10' }, true],
  ['NumericEquals unquoted number', { NumericEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': '10' }, true],
  ['NumericNotEquals 10 vs 11', { NumericNotEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': '11' }, true],
  ['NumericNotEquals 10 vs 10.0 → false', { NumericNotEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': '10.0' }, false],
  ['NumericGreaterThan 100 > 20 (numeric, not lexical)', { NumericGreaterThan: { 's3:max-keys': '20' } }, { 's3:max-keys': '100' }, true],
  ['NumericLessThan 100 < 20 false', { NumericLessThan: { 's3:max-keys': '20' } }, { 's3:max-keys': '100' }, false],
  ['NumericLessThanEquals equal → true', { NumericLessThanEquals: { 's3:max-keys': '20' } }, { 's3:max-keys': '20' }, true],
  ['NumericGreaterThanEquals equal → true', { NumericGreaterThanEquals: { 's3:max-keys': '20' } }, { 's3:max-keys': '20' }, true],
  ['NumericGreaterThan equal → false', { NumericGreaterThan: { 's3:max-keys': '20' } }, { 's3:max-keys': '20' }, false],
  ['negative and fractional values', { NumericLessThan: { 'x:n': '-1.5' } }, { 'x:n': '-2' }, true],
  ['several values are OR', { NumericEquals: { 'x:n': ['1', '2', '3'] } }, { 'x:n': '3' }, true],
  ['non-numeric request value cannot satisfy the operator', { NumericLessThan: { 'x:n': '10' } }, { 'x:n': 'abc' }, false],
  ['non-numeric request value cannot satisfy the negated operator either', { NumericNotEquals: { 'x:n': '10' } }, { 'x:n': 'abc' }, false],
  ['non-numeric policy literal makes the entry unsatisfiable', { NumericNotEquals: { 'x:n': 'ten' } }, { 'x:n': '5' }, false],
  ['variables are not substituted in numeric values', { NumericEquals: { 'x:n': '${x:m}' } }, { 'x:n': '5', 'x:m': '5' }, false],
  ['missing key → negated true', { NumericNotEquals: { 'x:n': '10' } }, {}, true],
]);

const NOW = { 'aws:CurrentTime': '2024-06-01T12:00:00Z', 'aws:EpochTime': '1717243200' };
table('Date', [
  ['DateGreaterThan ISO vs ISO', { DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' } }, NOW, true],
  ['DateLessThan ISO vs ISO', { DateLessThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' } }, NOW, false],
  ['DateEquals same instant with offset', { DateEquals: { 'aws:CurrentTime': '2024-06-01T14:00:00+02:00' } }, NOW, true],
  ['DateEquals same instant with negative offset', { DateEquals: { 'aws:CurrentTime': '2024-06-01T04:00:00-08:00' } }, NOW, true],
  ['DateEquals with fraction', { DateEquals: { 'aws:CurrentTime': '2024-06-01T12:00:00.000Z' } }, NOW, true],
  ['DateNotEquals different fraction', { DateNotEquals: { 'aws:CurrentTime': '2024-06-01T12:00:00.5Z' } }, NOW, true],
  ['DateNotEquals same instant → false', { DateNotEquals: { 'aws:CurrentTime': '1717243200' } }, NOW, false],
  ['ISO request vs epoch policy value (mixable)', { DateGreaterThan: { 'aws:CurrentTime': '1577836800' } }, NOW, true],
  ['epoch request vs ISO policy value (mixable)', { DateLessThan: { 'aws:EpochTime': '2025-01-01T00:00:00Z' } }, NOW, true],
  ['epoch request vs epoch policy value', { DateGreaterThanEquals: { 'aws:EpochTime': '1717243200' } }, NOW, true],
  ['date-only form (YYYY-MM-DD)', { DateGreaterThan: { 'aws:CurrentTime': '2024-05-31' } }, NOW, true],
  ['year-month form (YYYY-MM)', { DateLessThanEquals: { 'aws:CurrentTime': '2024-06' } }, NOW, false],
  ['hh:mm form with Z', { DateEquals: { 'aws:CurrentTime': '2024-06-01T12:00Z' } }, NOW, true],
  ['DateLessThanEquals equal instant → true', { DateLessThanEquals: { 'aws:CurrentTime': '2024-06-01T12:00:00Z' } }, NOW, true],
  ['unparseable request value cannot satisfy', { DateNotEquals: { 'aws:CurrentTime': '2024-06-01T12:00:00Z' } }, { 'aws:CurrentTime': 'yesterday' }, false],
  ['missing key → positive false', { DateGreaterThan: { 'aws:CurrentTime': '2020' } }, {}, false],
]);

table('Bool', [
  ['Bool "true" matches true', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': true }, true],
  ['Bool unquoted true ≡ "true"', { Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': 'true' }, true],
  ['Bool unquoted false', { Bool: { 'aws:SecureTransport': false } }, { 'aws:SecureTransport': 'true' }, false],
  ['Bool ignores case', { Bool: { 'aws:SecureTransport': 'True' } }, { 'aws:SecureTransport': 'TRUE' }, true],
  ['Bool [true,false] always satisfied when present', { Bool: { 'aws:SecureTransport': [true, false] } }, { 'aws:SecureTransport': 'false' }, true],
  ['Bool non-boolean request value cannot satisfy', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'yes' }, false],
  ['Bool non-boolean policy literal cannot satisfy', { Bool: { 'aws:SecureTransport': 'yes' } }, { 'aws:SecureTransport': 'true' }, false],
  ['Bool supports variables (operators page)', { Bool: { 'x:a': '${x:b}' } }, { 'x:a': 'true', 'x:b': 'true' }, true],
  ['Bool variable with a different value', { Bool: { 'x:a': '${x:b}' } }, { 'x:a': 'true', 'x:b': 'false' }, false],
]);

table('Binary', [
  ['BinaryEquals same bytes', { BinaryEquals: { 'x:bin': 'QmluYXJ5VmFsdWU=' } }, { 'x:bin': 'QmluYXJ5VmFsdWU=' }, true],
  ['BinaryEquals different bytes', { BinaryEquals: { 'x:bin': 'QmluYXJ5VmFsdWU=' } }, { 'x:bin': 'T3RoZXI=' }, false],
  ['BinaryEquals several values OR', { BinaryEquals: { 'x:bin': ['T3RoZXI=', 'QQ=='] } }, { 'x:bin': 'QQ==' }, true],
  ['BinaryEquals invalid base64 policy value is unsatisfiable', { BinaryEquals: { 'x:bin': 'not base64!' } }, { 'x:bin': 'QQ==' }, false],
  ['BinaryEquals missing key → false', { BinaryEquals: { 'x:bin': 'QQ==' } }, {}, false],
]);

const IP4 = { 'aws:SourceIp': '203.0.113.77' };
const IP6 = { 'aws:SourceIp': '2001:db8:1234:5678:abcd::1' };
table('IpAddress', [
  ['IPv4 in /24', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, IP4, true],
  ['IPv4 outside /24', { IpAddress: { 'aws:SourceIp': '203.0.114.0/24' } }, IP4, false],
  ['address without prefix is /32', { IpAddress: { 'aws:SourceIp': '203.0.113.77' } }, IP4, true],
  ['address without prefix is /32 (other host)', { IpAddress: { 'aws:SourceIp': '203.0.113.78' } }, IP4, false],
  ['0.0.0.0/0 matches every IPv4 address', { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, IP4, true],
  ['0.0.0.0/0 does not match IPv6', { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, IP6, false],
  ['host bits in the policy block are ignored', { IpAddress: { 'aws:SourceIp': '203.0.113.5/24' } }, IP4, true],
  ['several blocks are OR', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.0/28', '203.0.113.64/26'] } }, IP4, true],
  ['IPv6 with :: compression in /64', { IpAddress: { 'aws:SourceIp': '2001:DB8:1234:5678::/64' } }, IP6, true],
  ['IPv6 hex case is irrelevant', { IpAddress: { 'aws:SourceIp': '2001:db8:1234:5678::/64' } }, { 'aws:SourceIp': '2001:DB8:1234:5678:ABCD::1' }, true],
  ['IPv6 uncompressed request address', { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:0db8:0000:0000:0000:0000:0000:0001' }, true],
  ['IPv6 outside prefix', { IpAddress: { 'aws:SourceIp': '2001:db8:1234:5679::/64' } }, IP6, false],
  ['IPv6 /128 single address', { IpAddress: { 'aws:SourceIp': '2001:db8:1234:5678:abcd:0:0:1' } }, IP6, true],
  ['::/0 matches every IPv6 address', { IpAddress: { 'aws:SourceIp': '::/0' } }, IP6, true],
  ['IPv4 never matches an IPv6 range', { IpAddress: { 'aws:SourceIp': '::/0' } }, IP4, false],
  ['IPv4-mapped IPv6 is IPv6', { IpAddress: { 'aws:SourceIp': '::ffff:0:0/96' } }, { 'aws:SourceIp': '::ffff:203.0.113.77' }, true],
  ['IPv4-mapped IPv6 does not match an IPv4 block', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '::ffff:203.0.113.77' }, false],
  ['prefix not on a word boundary (/61)', { IpAddress: { 'aws:SourceIp': '2001:db8:1234:5678::/61' } }, { 'aws:SourceIp': '2001:db8:1234:567f::1' }, true],
  ['prefix not on a word boundary (/61) outside', { IpAddress: { 'aws:SourceIp': '2001:db8:1234:5678::/61' } }, { 'aws:SourceIp': '2001:db8:1234:5670::1' }, false],
  ['NotIpAddress outside all blocks → true', { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } }, IP4, true],
  ['NotIpAddress inside one block → false', { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.0/24'] } }, IP4, false],
  ['NotIpAddress missing key → true', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, {}, true],
  ['invalid request address cannot satisfy IpAddress', { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, { 'aws:SourceIp': 'vpce-123' }, false],
  ['invalid request address cannot satisfy NotIpAddress', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '300.1.1.1' }, false],
  ['invalid policy block makes the entry unsatisfiable', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/33' } }, IP4, false],
]);

const ROLE = { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/admin/Ops' };
table('Arn', [
  ['ArnEquals exact', { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/admin/Ops' } }, ROLE, true],
  ['ArnLike wildcard in account and resource', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }, ROLE, true],
  ['ArnEquals ≡ ArnLike (wildcards work)', { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }, ROLE, true],
  ['arn:aws:iam::*:user/* does not match a role', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } }, ROLE, false],
  ['* in the first five parts cannot span colons', { ArnLike: { 'aws:SourceArn': 'arn:aws:*:bucket' } }, { 'aws:SourceArn': 'arn:aws:s3:::bucket' }, false],
  ['StringLike with the same pattern does span colons', { StringLike: { 'aws:SourceArn': 'arn:aws:*:bucket' } }, { 'aws:SourceArn': 'arn:aws:s3:::bucket' }, true],
  ['* in the service part cannot absorb "s3:eu:x"', { ArnLike: { 'aws:SourceArn': 'arn:aws:*:us-east-1:123:thing' } }, { 'aws:SourceArn': 'arn:aws:s3:eu:x:us-east-1:123:thing' }, false],
  ['StringLike: the same * does absorb colons', { StringLike: { 'aws:SourceArn': 'arn:aws:*:us-east-1:123:thing' } }, { 'aws:SourceArn': 'arn:aws:s3:eu:x:us-east-1:123:thing' }, true],
  ['arn:aws:iam::*:user/*: account * cannot span "123:456"', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::123:456:user/x' }, false],
  ['ArnNotLike: colon-spanning value is not matched → true', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::123:456:user/x' }, true],
  ['ArnLike with variable: per-part rule applies to rendered patterns too', { ArnLike: { 'aws:SourceArn': 'arn:aws:*:${x:r}:123:thing' } }, { 'aws:SourceArn': 'arn:aws:s3:eu:x:us-east-1:123:thing', 'x:r': 'us-east-1' }, false],
  ['* in the resource part spans colons', { ArnLike: { 'aws:SourceArn': 'arn:aws:logs:us-east-1:1:*' } }, { 'aws:SourceArn': 'arn:aws:logs:us-east-1:1:log-group:g:log-stream:s' }, true],
  ['? matches one char within a part', { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:us-east-?:1:t' } }, { 'aws:SourceArn': 'arn:aws:sns:us-east-2:1:t' }, true],
  ['empty region part matched by *', { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:*:*:b/*' } }, { 'aws:SourceArn': 'arn:aws:s3:::b/k' }, true],
  ['ARN matching is case-sensitive', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin/ops' } }, ROLE, false],
  ['policy value "*" matches any ARN', { ArnLike: { 'aws:PrincipalArn': '*' } }, ROLE, true],
  ['policy value with fewer than six parts matches nothing', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam' } }, ROLE, false],
  ['ArnNotLike no match → true', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } }, ROLE, true],
  ['ArnNotEquals match → false', { ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::1:root', 'arn:aws:iam::123456789012:role/admin/*'] } }, ROLE, false],
  ['ArnNotLike missing key → true', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } }, {}, true],
  ['non-ARN request value cannot satisfy ArnLike', { ArnLike: { 'aws:SourceArn': 'arn:*:*:*:*:*' } }, { 'aws:SourceArn': 'not-an-arn' }, false],
  ['non-ARN request value cannot satisfy ArnNotLike', { ArnNotLike: { 'aws:SourceArn': 'arn:aws:s3:::x' } }, { 'aws:SourceArn': 'not-an-arn' }, false],
  ['variables in ARN values', { ArnLike: { 'aws:SourceArn': 'arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}' } }, { 'aws:SourceArn': 'arn:aws:iam::123:user/bob', 'aws:PrincipalAccount': '123', ...U }, true],
  ['variables in ARN values, other account', { ArnLike: { 'aws:SourceArn': 'arn:aws:iam::${aws:PrincipalAccount}:user/*' } }, { 'aws:SourceArn': 'arn:aws:iam::999:user/bob', 'aws:PrincipalAccount': '123' }, false],
]);

table('Null', [
  ['Null true: key absent → true', { Null: { 'aws:TokenIssueTime': 'true' } }, {}, true],
  ['Null true: key present → false', { Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }, false],
  ['Null false: key present → true', { Null: { 'aws:TokenIssueTime': false } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }, true],
  ['Null false: key absent → false', { Null: { 'aws:TokenIssueTime': 'false' } }, {}, false],
  ['Null false: empty multivalued set counts as absent', { Null: { 'aws:TagKeys': 'false' } }, { 'aws:TagKeys': [] }, false],
  ['Null key names case-insensitive', { Null: { 'AWS:TOKENISSUETIME': 'false' } }, { 'aws:TokenIssueTime': 'x' }, true],
]);

const TAGS = (keys: string[] | undefined): ContextInput => ({ 'aws:TagKeys': keys });
table('ForAllValues / ForAnyValue', [
  ['ForAllValues: every request value in the policy set → true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }, TAGS(['env', 'team']), true],
  ['ForAllValues: one request value outside → false', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }, TAGS(['env', 'cost']), false],
  ['ForAllValues: key absent → true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }, {}, true],
  ['ForAllValues: empty set → true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }, TAGS([]), true],
  ['ForAllValues: null data set (empty string) → true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }, TAGS(['']), true],
  ['ForAllValues:StringLike with wildcards', { 'ForAllValues:StringLike': { 'aws:TagKeys': 'Created*' } }, TAGS(['CreatedBy', 'CreatedAt']), true],
  ['ForAnyValue: one request value in the policy set → true', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, TAGS(['cost', 'env']), true],
  ['ForAnyValue: no request value in the policy set → false', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, TAGS(['cost']), false],
  ['ForAnyValue: key absent → false', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, {}, false],
  ['ForAnyValue: empty set → false', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, TAGS([]), false],
  ['ForAnyValue:StringNotEquals fires when any requested key is outside the set', { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } }, TAGS(['a', 'c']), true],
  ['ForAnyValue:StringNotEquals: all requested keys inside → false', { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } }, TAGS(['a', 'b']), false],
  ['ForAllValues:StringNotEquals: every value differs from all → true', { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } }, TAGS(['c', 'd']), true],
  ['ForAllValues:StringNotEquals: one value equals → false', { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } }, TAGS(['c', 'a']), false],
  ['ForAnyValue:StringEqualsIfExists: absent → true (IfExists)', { 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['a'] } }, {}, true],
  ['ForAnyValue:IpAddress', { 'ForAnyValue:IpAddress': { 'x:ips': '10.0.0.0/8' } }, { 'x:ips': ['192.168.1.1', '10.2.3.4'] }, true],
  ['ForAllValues:NumericLessThan', { 'ForAllValues:NumericLessThan': { 'x:nums': '10' } }, { 'x:nums': ['1', '9.5'] }, true],
  ['ForAllValues:NumericLessThan one too big', { 'ForAllValues:NumericLessThan': { 'x:nums': '10' } }, { 'x:nums': ['1', '10'] }, false],
  ['ForAnyValue:ArnLike', { 'ForAnyValue:ArnLike': { 'aws:CalledVia': 'arn:aws:*:*:*:x' } }, { 'aws:CalledVia': ['cloudformation.amazonaws.com', 'arn:aws:s3:::x'] }, true],
  ['ForAllValues:Bool', { 'ForAllValues:Bool': { 'x:b': 'true' } }, { 'x:b': ['true', 'TRUE'] }, true],
  ['ForAnyValue:DateGreaterThan', { 'ForAnyValue:DateGreaterThan': { 'x:d': '2024-01-01' } }, { 'x:d': ['2023-01-01', '1800000000'] }, true],
  ['Null false + ForAllValues require at least one value', { Null: { 'aws:TagKeys': 'false' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }, {}, false],
  ['multivalued key without set operator: positive true when some value matches', { StringEquals: { 'aws:TagKeys': 'a' } }, TAGS(['b', 'a']), true],
  ['multivalued key without set operator: negated true only when none matches', { StringNotEquals: { 'aws:TagKeys': 'a' } }, TAGS(['b', 'a']), false],
]);

table('Multiple keys / operators', [
  ['two keys under one operator: AND (both true)', { StringEquals: { 'aws:username': 'bob', 'aws:PrincipalTag/team': 'blue' } }, { ...U, 'aws:PrincipalTag/team': 'blue' }, true],
  ['two keys under one operator: AND (one false)', { StringEquals: { 'aws:username': 'bob', 'aws:PrincipalTag/team': 'red' } }, { ...U, 'aws:PrincipalTag/team': 'blue' }, false],
  ['two operators: AND (both true)', { StringEquals: U, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { ...U, 'aws:SourceIp': '10.0.0.1' }, true],
  ['two operators: AND (one false)', { StringEquals: U, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { ...U, 'aws:SourceIp': '11.0.0.1' }, false],
  ['two operators: one key missing', { StringEquals: U, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, U, false],
  ['unknown operator with an empty block is accepted and imposes nothing', { StringEqualz: {}, StringEquals: U }, U, true],
]);

table('Variables in condition values', [
  ['StringEquals with ${aws:username}', { StringEquals: { 's3:prefix': 'home/${aws:username}' } }, { ...U, 's3:prefix': 'home/bob' }, true],
  ['StringLike with variable and wildcard', { StringLike: { 's3:prefix': ['home/${aws:username}/*', ''] } }, { ...U, 's3:prefix': 'home/bob/docs' }, true],
  ['substituted value is literal in StringLike', { StringLike: { 's3:prefix': '${x:v}' } }, { 'x:v': 'a*', 's3:prefix': 'abc' }, false],
  ['variable key absent: positive operator false', { StringEquals: { 's3:prefix': 'home/${aws:username}' } }, { 's3:prefix': 'home/' }, false],
  ['variable key absent: negated operator true', { StringNotEquals: { 's3:prefix': 'home/${aws:username}' } }, { 's3:prefix': 'home/x' }, true],
  ['variable key absent: StringNotLike true', { StringNotLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/x/y' }, true],
  ['default used when key absent', { StringEquals: { 'aws:ResourceTag/team': "${aws:PrincipalTag/team, 'company-wide'}" } }, { 'aws:ResourceTag/team': 'company-wide' }, true],
  ['default ignored when key present', { StringEquals: { 'aws:ResourceTag/team': "${aws:PrincipalTag/team, 'company-wide'}" } }, { 'aws:ResourceTag/team': 'company-wide', 'aws:PrincipalTag/team': 'blue' }, false],
  ['variable names case-insensitive', { StringEquals: { 'aws:ResourceTag/team': '${AWS:PRINCIPALTAG/TEAM}' } }, { 'aws:ResourceTag/team': 'blue', 'aws:PrincipalTag/Team': 'blue' }, true],
  ['${*} is a literal * in StringLike', { StringLike: { 'x:k': 'a${*}' } }, { 'x:k': 'a*' }, true],
  ['${*} does not act as a wildcard', { StringLike: { 'x:k': 'a${*}' } }, { 'x:k': 'abc' }, false],
  ['${?} and ${$} literals', { StringEquals: { 'x:k': '${?}${$}' } }, { 'x:k': '?$' }, true],
  ['StringEqualsIgnoreCase with a variable', { StringEqualsIgnoreCase: { 'x:k': '${aws:username}' } }, { ...U, 'x:k': 'BOB' }, true],
  ['multivalued key as variable has no value', { StringEquals: { 'x:k': '${aws:TagKeys}' } }, { 'x:k': 'a', 'aws:TagKeys': ['a'] }, false],
  ['Version 2008-10-17: variables are literal text', { StringEquals: { 's3:prefix': 'home/${aws:username}' } }, { ...U, 's3:prefix': 'home/${aws:username}' }, true, '2008-10-17'],
  ['Version 2008-10-17: no substitution happens', { StringEquals: { 's3:prefix': 'home/${aws:username}' } }, { ...U, 's3:prefix': 'home/bob' }, false, '2008-10-17'],
  ['Version 2008-10-17: wildcards still work', { StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/${aws:username}/x' }, true, '2008-10-17'],
]);

test('missing keys are recorded only when asked, with their policy spelling', () => {
  const c = compile({
    StringEquals: { 'aws:PrincipalTag/Team': '${aws:username}' },
    Bool: { 'aws:MultiFactorAuthPresent': 'true' },
    IpAddress: { 'aws:SourceIp': '10.0.0.0/8' },
  });
  const missing: string[] = [];
  assert.equal(c.evaluate(makeContext({ 'aws:SourceIp': '10.1.1.1' }), missing), false);
  assert.deepEqual(missing, ['aws:PrincipalTag/Team', 'aws:username', 'aws:MultiFactorAuthPresent']);
  assert.deepEqual(c.keys, ['aws:principaltag/team', 'aws:username', 'aws:multifactorauthpresent', 'aws:sourceip']);
  const none: string[] = [];
  c.evaluate(makeContext({ 'aws:PrincipalTag/team': 'bob', 'aws:username': 'bob', 'aws:MultiFactorAuthPresent': true, 'aws:SourceIp': '10.0.0.1' }), none);
  assert.deepEqual(none, []);
});

test('variables with defaults are not reported missing', () => {
  const c = compile({ StringEquals: { 'x:k': "${x:v, 'd'}" } });
  const missing: string[] = [];
  c.evaluate(makeContext({ 'x:k': 'd' }), missing);
  assert.deepEqual(missing, []);
});

test('absent and empty Condition impose nothing', () => {
  assert.equal(compileConditions(undefined, '2012-10-17'), ALWAYS);
  assert.equal(compileConditions({}, '2012-10-17'), ALWAYS);
  assert.equal(ALWAYS.evaluate(makeContext({})), true);
  assert.equal(compile({ StringEquals: {} }).evaluate(makeContext({})), true, 'empty operator block');
});

// [why, raw Condition, expected message]
const problems: [string, unknown, string][] = [
  ['Condition is a string', 'StringEquals', 'Syntax errors in policy.'],
  ['Condition is an array', [{ StringEquals: U }], 'Syntax errors in policy.'],
  ['Condition is null', null, 'Syntax errors in policy.'],
  ['operator block is a string', { StringEquals: 'bob' }, 'Syntax errors in policy.'],
  ['operator block is an array', { StringEquals: ['bob'] }, 'Syntax errors in policy.'],
  ['value is an object', { StringEquals: { 'aws:username': { a: 1 } } }, 'Syntax errors in policy.'],
  ['value is null', { StringEquals: { 'aws:username': null } }, 'Syntax errors in policy.'],
  ['array element is an object', { StringEquals: { 'aws:username': ['a', { b: 1 }] } }, 'Syntax errors in policy.'],
  ['nested array', { StringEquals: { 'aws:username': [['a']] } }, 'Syntax errors in policy.'],
  ['unknown operator StringEqualz', { StringEqualz: { 'aws:username': 'bob' } }, 'Syntax errors in policy.'],
  ['operator names are case-sensitive', { stringequals: { 'aws:username': 'bob' } }, 'Syntax errors in policy.'],
  ['ForAnyValues (typo) is unknown', { 'ForAnyValues:StringEquals': { 'aws:TagKeys': 'a' } }, 'Syntax errors in policy.'],
  ['IfExists twice is unknown', { StringEqualsIfExistsIfExists: { 'aws:username': 'bob' } }, 'Syntax errors in policy.'],
  ['Null with IfExists ("except the Null condition")', { NullIfExists: { 'aws:username': 'true' } }, 'Syntax errors in policy.'],
  ['unparseable date literal', { DateGreaterThan: { 'aws:CurrentTime': 'tomorrow' } }, 'The policy failed legacy parsing'],
  ['month 13', { DateGreaterThan: { 'aws:CurrentTime': '2020-13-01' } }, 'The policy failed legacy parsing'],
  ['hour 24', { DateLessThan: { 'aws:CurrentTime': '2020-01-01T24:00:00Z' } }, 'The policy failed legacy parsing'],
  ['fractional epoch', { DateLessThan: { 'aws:EpochTime': '1577836800.5' } }, 'The policy failed legacy parsing'],
  ['bad date in a list', { 'ForAnyValue:DateEquals': { 'x:d': ['2020-01-01', 'x'] } }, 'The policy failed legacy parsing'],
];
for (const [why, raw, message] of problems) {
  test(`validation: ${why} → ${message}`, () => {
    const r = compileConditions(raw, '2012-10-17');
    assert.ok('code' in r, 'expected a PolicyProblem');
    assert.deepEqual(r, { code: 'MalformedPolicyDocument', message });
  });
}

test('syntax errors are reported before date errors', () => {
  const r = compileConditions({ DateEquals: { 'aws:CurrentTime': 'bad' }, StringEqualz: { k: 'v' } }, '2012-10-17');
  assert.deepEqual(r, { code: 'MalformedPolicyDocument', message: 'Syntax errors in policy.' });
});

test('literals IAM does not validate are accepted (and unsatisfiable)', () => {
  for (const cond of [
    { NumericEquals: { 'x:n': 'ten' } },
    { IpAddress: { 'aws:SourceIp': 'not-an-ip' } },
    { BinaryEquals: { 'x:b': '***' } },
    { Bool: { 'x:b': 'yes' } },
    { Null: { 'x:b': 'maybe' } },
  ]) {
    const c = compileConditions(cond, '2012-10-17');
    assert.ok(!('code' in c), JSON.stringify(cond));
    assert.equal((c as CompiledConditions).evaluate(makeContext({ 'x:n': '10', 'aws:SourceIp': '1.2.3.4', 'x:b': 'true' })), false);
  }
});

test('parseOperator splits qualifiers', () => {
  const p = parseOperator('ForAnyValue:StringLikeIfExists');
  assert.ok(p && p !== 'null-ifexists');
  assert.equal(p.base, 'StringLike');
  assert.equal(p.set, 2);
  assert.equal(p.ifExists, true);
  assert.equal(parseOperator('NullIfExists'), 'null-ifexists');
  assert.equal(parseOperator('StringEqualz'), undefined);
});

test('parseDate: W3C ISO 8601 forms and epoch seconds', () => {
  const base = Date.UTC(2024, 5, 1, 12, 0, 0);
  assert.equal(parseDate('2024-06-01T12:00:00Z'), base);
  assert.equal(parseDate('2024-06-01T12:00:00.250Z'), base + 250);
  assert.equal(parseDate('2024-06-01T13:30:00+01:30'), base);
  assert.equal(parseDate('2024-06-01t12:00z'), base);
  assert.equal(parseDate('2024'), 2024000, 'digits only are epoch seconds');
  assert.equal(parseDate('2024-06'), Date.UTC(2024, 5, 1));
  assert.equal(parseDate('1717243200'), base);
  assert.ok(Number.isNaN(parseDate('2024-06-01T12:00:00X')));
  assert.ok(Number.isNaN(parseDate('2024-06-01 12:00:00')));
  assert.ok(Number.isNaN(parseDate('')));
  assert.equal(parseDate('-1', true), -1000, 'request values may be negative epochs');
});

test('parseCidr: IPv6 forms', () => {
  assert.ok(parseCidr('::1'));
  assert.ok(parseCidr('::'));
  assert.ok(parseCidr('1::'));
  assert.ok(parseCidr('1:2:3:4:5:6:7:8/128'));
  assert.ok(parseCidr('::ffff:1.2.3.4'));
  assert.equal(parseCidr('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(parseCidr('1::2::3'), undefined);
  assert.equal(parseCidr('12345::'), undefined);
  assert.equal(parseCidr('1:2:3:4:5:6:7:8/129'), undefined);
  assert.equal(parseCidr('1.2.3/24'), undefined);
  assert.equal(parseCidr('1.2.3.4/'), undefined);
});

test('a compiled block evaluates the same way every time (compile once, evaluate many)', () => {
  const c = compile({
    StringEquals: { 'aws:PrincipalTag/team': ['blue', 'red'] },
    StringLike: { 's3:prefix': 'home/${aws:username}/*' },
    IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] },
    DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
    Bool: { 'aws:SecureTransport': 'true' },
  });
  const ctx = makeContext({
    'aws:PrincipalTag/team': 'blue',
    'aws:username': 'bob',
    's3:prefix': 'home/bob/x',
    'aws:SourceIp': '10.1.2.3',
    'aws:CurrentTime': '2024-01-01T00:00:00Z',
    'aws:SecureTransport': true,
  });
  // Repeated evaluation keeps its answer (compiled state is not mutated); speed is in bench/policy.ts.
  for (let i = 0; i < 1000; i++) assert.equal(c.evaluate(ctx), true);
});
