import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/model/load.js';
import type { ServiceModel } from '../../src/model/types.js';
import { ServiceError, isServiceError } from '../../src/gateway/errors.js';
import { validateInput, validationMessages, compilePattern, type ValidationStyle } from '../../src/protocols/validate.js';

const iam = loadModel('iam');
const sts = loadModel('sts');
const ec2 = loadModel('ec2');

function errOf(model: ServiceModel, op: string, input: Record<string, unknown>, style: ValidationStyle): ServiceError {
  try {
    validateInput(model, model.operations[op]!, input, style);
  } catch (e) {
    if (isServiceError(e)) return e;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('validate: query style (IAM, STS)', () => {
  test('valid input passes', () => {
    validateInput(iam, iam.operations.CreateUser!, { UserName: 'alice', Path: '/a/', Tags: [{ Key: 'k', Value: 'v' }] }, 'query');
    validateInput(iam, iam.operations.ListUsers!, { MaxItems: 1000 }, 'query');
    validateInput(sts, sts.operations.GetCallerIdentity!, {}, 'query');
    validateInput(sts, sts.operations.GetCallerIdentity!, undefined, 'query');
  });

  test('missing required member', () => {
    const e = errOf(iam, 'CreateUser', {}, 'query');
    assert.equal(e.code, 'ValidationError');
    assert.equal(e.status, 400);
    assert.equal(e.message, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null");
  });

  test('too long', () => {
    const e = errOf(iam, 'CreateUser', { UserName: 'x'.repeat(65) }, 'query');
    assert.equal(e.message, `1 validation error detected: Value '${'x'.repeat(65)}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`);
  });

  test('several errors: counted, joined with "; ", length before pattern', () => {
    const e = errOf(iam, 'CreateUser', { UserName: '', Path: 'nope' }, 'query');
    assert.equal(
      e.message,
      "3 validation errors detected: Value 'nope' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); " +
        "Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
  });

  test('nested paths: list items as tags.N.member.key, STS policyArns.1.member.arn', () => {
    const e = errOf(iam, 'CreateUser', { UserName: 'a', Tags: [{ Key: 'ok', Value: 'v' }, { Value: 'v' }] }, 'query');
    assert.equal(e.message, "1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null");
    const s = errOf(sts, 'AssumeRole', { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's1', PolicyArns: [{ arn: 'short' }] }, 'query');
    assert.equal(s.message, "1 validation error detected: Value 'short' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20");
  });

  test('list sizes', () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: 'k' + i, Value: 'v' }));
    const e = errOf(iam, 'CreateUser', { UserName: 'a', Tags: tags }, 'query');
    assert.equal(e.message, "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50");
    const t = errOf(sts, 'AssumeRole', { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's1', TransitiveTagKeys: Array.from({ length: 51 }, (_, i) => 'k' + i) }, 'query');
    assert.match(t.message, /^1 validation error detected: Value '\[k0, k1, .*k50\]' at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to 50$/);
  });

  test('enums', () => {
    const e = errOf(iam, 'ListPolicies', { Scope: 'Mine' }, 'query');
    assert.equal(e.message, "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]");
  });

  test('numeric ranges: the query form does not echo numbers', () => {
    assert.equal(
      errOf(iam, 'ListUsers', { MaxItems: 0 }, 'query').message,
      "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assert.equal(
      errOf(iam, 'ListUsers', { MaxItems: 1001 }, 'query').message,
      "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });

  test('sensitive values are never echoed', () => {
    const e = errOf(iam, 'CreateLoginProfile', { UserName: 'a', Password: 'x'.repeat(129) }, 'query');
    assert.equal(e.message, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128");
    assert.ok(!e.message.includes('xxx'));
  });

  test('lengths count code points, not UTF-16 units', () => {
    validateInput(iam, iam.operations.TagUser!, { UserName: 'a', Tags: [{ Key: 'k', Value: '𝒜'.repeat(256) }] }, 'query');
    const e = errOf(iam, 'TagUser', { UserName: 'a', Tags: [{ Key: 'k', Value: '𝒜'.repeat(257) }] }, 'query');
    assert.match(e.message, /at 'tags\.1\.member\.value' failed to satisfy constraint: Member must have length less than or equal to 256$/);
  });

  test('unicode-property patterns (\\p{L}) work; tag values outside the set fail', () => {
    validateInput(iam, iam.operations.TagUser!, { UserName: 'a', Tags: [{ Key: 'Név', Value: 'ÅÄÖ ok_.:/=+-@' }] }, 'query');
    const e = errOf(iam, 'TagUser', { UserName: 'a', Tags: [{ Key: 'k', Value: 'a&b' }] }, 'query');
    assert.match(e.message, /Value 'a&b' at 'tags\.1\.member\.value' failed to satisfy constraint: Member must satisfy regular expression pattern: /);
  });
});

describe('validate: json/rest and ec2 styles', () => {
  test('json/rest: ValidationException, numbers echoed', () => {
    const e = errOf(iam, 'ListUsers', { MaxItems: 0 }, 'json');
    assert.equal(e.code, 'ValidationException');
    assert.equal(e.status, 400);
    assert.equal(e.message, "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");
    assert.equal(errOf(iam, 'CreateUser', {}, 'rest').code, 'ValidationException');
  });

  test('ec2: MissingParameter names the wire parameter; other problems are InvalidParameterValue', () => {
    const m = errOf(ec2, 'RunInstances', { MinCount: 1 }, 'ec2');
    assert.equal(m.code, 'MissingParameter');
    assert.equal(m.message, 'The request must contain the parameter MaxCount');
    const t = errOf(ec2, 'TerminateInstances', {}, 'ec2');
    assert.equal(t.message, 'The request must contain the parameter InstanceId');
    const v = errOf(ec2, 'RunInstances', { MinCount: 1, MaxCount: 1, InstanceType: 'not.a.type' }, 'ec2');
    assert.equal(v.code, 'InvalidParameterValue');
    assert.match(v.message, /^Value \(not\.a\.type\) for parameter instanceType is invalid\. Member must satisfy enum value set: \[/);
  });
});

describe('validate: patterns and robustness', () => {
  test('Java patterns compile once, anchored for a full match', () => {
    const re = compilePattern('[\\w+=,.@-]+')!;
    assert.ok(re.test('bob@example.com'));
    assert.ok(!re.test('bob smith'));
    assert.equal(compilePattern('[\\w+=,.@-]+'), re); // cached
    assert.ok(compilePattern('[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*')!.test('Ünïcode 1'));
    assert.ok(compilePattern('\\p{Alnum}+')!.test('abc123'));
    assert.ok(!compilePattern('\\p{Alnum}+')!.test('abc-123'));
    assert.ok(compilePattern('\\Aab\\z')!.test('ab'));
    assert.ok(compilePattern('[a\\_b]+')!.test('a_b'));
  });

  test('uncompilable patterns are skipped, not fatal', () => {
    assert.equal(compilePattern('x{11}{0,1011}'), null);
    assert.equal(compilePattern('[a-z&&[^b]]'), null);
    const model: ServiceModel = {
      metadata: { apiVersion: '1', endpointPrefix: 'x', protocol: 'json', serviceId: 'X', serviceFullName: 'X' },
      operations: { Op: { name: 'Op', http: { method: 'POST', requestUri: '/' }, input: { shape: 'In' } } },
      shapes: {
        In: { type: 'structure', members: { A: { shape: 'Weird' }, B: { shape: 'Bytes' }, C: { shape: 'Self' } } },
        Weird: { type: 'string', pattern: 'x{11}{0,1011}' },
        Bytes: { type: 'blob', max: 3 },
        Self: { type: 'structure', members: { C: { shape: 'Self' }, D: { shape: 'Weird' } }, required: ['D'] },
      },
    };
    validateInput(model, model.operations.Op!, { A: 'anything' }, 'json');
    // blobs count bytes
    assert.deepEqual(validationMessages(model, model.operations.Op!, { B: Buffer.from('abcd') }, 'json'), [
      "Value at 'b' failed to satisfy constraint: Member must have length less than or equal to 3",
    ]);
    assert.deepEqual(validationMessages(model, model.operations.Op!, { B: '€' }, 'json'), []); // 3 UTF-8 bytes
    // deep recursive input is bounded
    let deep: Record<string, unknown> = { D: 'x' };
    for (let i = 0; i < 5000; i++) deep = { C: deep, D: 'x' };
    validateInput(model, model.operations.Op!, { C: deep }, 'json');
    // values of the wrong type (another codec's bug) are skipped, not crashed on
    validateInput(iam, iam.operations.ListUsers!, { MaxItems: 'many', Marker: 5 } as Record<string, unknown>, 'query');
  });

  test('many violations are capped', () => {
    const tags = Array.from({ length: 500 }, () => ({}));
    const e = errOf(iam, 'TagUser', { UserName: 'a', Tags: tags }, 'query');
    assert.match(e.message, /^100 validation errors detected: /);
  });
});
