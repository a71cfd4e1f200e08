import { serviceErrorOf } from './codec-harness.js';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadRestJsonErrorCode } from '@aws-sdk/core/protocols';
import { loadModel } from '../../src/model/load.js';
import type { ServiceModel } from '../../src/model/types.js';
import { restJsonCodec } from '../../src/protocols/rest-json.js';
import { ServiceError } from '../../src/gateway/errors.js';
import type { WireRequest } from '../../src/protocols/types.js';

const rbin = loadModel('rbin');
const ctx = { requestId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' };

function rreq(method: string, target: string, body: string | Buffer = '', headers: Record<string, string> = {}): WireRequest {
  const q = target.indexOf('?');
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    headers: { ...(body.length ? { 'content-type': 'application/json' } : {}), ...headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}

function parse(model: ServiceModel, req: WireRequest): { op: string; input: Record<string, unknown> } {
  const op = restJsonCodec.resolveOperation(req, model);
  return { op: op.name, input: restJsonCodec.parseInput(req, model, op) };
}


describe('rest-json routing (rbin)', () => {
  const cases: Array<[string, string, string]> = [
    ['POST', '/rules', 'CreateRule'],
    ['GET', '/rules/abc123', 'GetRule'],
    ['GET', '/rules/abc123/', 'GetRule'],
    ['DELETE', '/rules/abc123', 'DeleteRule'],
    ['PATCH', '/rules/abc123', 'UpdateRule'],
    ['PATCH', '/rules/abc123/lock', 'LockRule'],
    ['PATCH', '/rules/abc123/unlock', 'UnlockRule'],
    ['POST', '/list-rules', 'ListRules'],
    ['GET', '/tags/arn%3Aaws%3Arbin%3Aus-east-1%3A123456789012%3Arule%2Fabc', 'ListTagsForResource'],
    ['POST', '/tags/arn%3Aaws%3Arbin%3Aus-east-1%3A123456789012%3Arule%2Fabc', 'TagResource'],
    ['DELETE', '/tags/x?tagKeys=a', 'UntagResource'],
  ];
  for (const [m, p, expected] of cases) {
    test(`${m} ${p} -> ${expected}`, () => assert.equal(restJsonCodec.resolveOperation(rreq(m, p), rbin).name, expected));
  }

  test('no route -> UnknownOperationException 404', () => {
    for (const [m, p] of [['PUT', '/rules'], ['GET', '/nothing'], ['GET', '/rules/a/b/c'], ['GET', '/']]) {
      const e = serviceErrorOf(() => restJsonCodec.resolveOperation(rreq(m!, p!), rbin));
      assert.equal(e.code, 'UnknownOperationException');
      assert.equal(e.status, 404);
    }
  });
});

describe('rest-json input', () => {
  test('CreateRule: JSON body', () => {
    const body = JSON.stringify({
      RetentionPeriod: { RetentionPeriodValue: 7, RetentionPeriodUnit: 'DAYS' },
      Description: 'keep snapshots',
      Tags: [{ Key: 'team', Value: 'infra' }],
      ResourceType: 'EBS_SNAPSHOT',
      ResourceTags: [{ ResourceTagKey: 'env', ResourceTagValue: 'prod' }],
      LockConfiguration: { UnlockDelay: { UnlockDelayValue: 7, UnlockDelayUnit: 'DAYS' } },
    });
    const r = parse(rbin, rreq('POST', '/rules', body));
    assert.equal(r.op, 'CreateRule');
    assert.deepEqual(r.input, JSON.parse(body));
  });

  test('GetRule: uri label', () => {
    assert.deepEqual(parse(rbin, rreq('GET', '/rules/a%20b')).input, { Identifier: 'a b' });
  });

  test('ListRules: body with numbers and lists', () => {
    const r = parse(rbin, rreq('POST', '/list-rules', '{"ResourceType":"EC2_IMAGE","MaxResults":10,"LockState":"locked"}'));
    assert.deepEqual(r.input, { ResourceType: 'EC2_IMAGE', MaxResults: 10, LockState: 'locked' });
  });

  test('TagResource: encoded ARN label + body; UntagResource: repeated query list', () => {
    const arn = 'arn:aws:rbin:us-east-1:123456789012:rule/abc';
    const r = parse(rbin, rreq('POST', `/tags/${encodeURIComponent(arn)}`, '{"Tags":[{"Key":"k","Value":"v"}]}'));
    assert.equal(r.op, 'TagResource');
    assert.deepEqual(r.input, { ResourceArn: arn, Tags: [{ Key: 'k', Value: 'v' }] });
    const u = parse(rbin, rreq('DELETE', `/tags/${encodeURIComponent(arn)}?tagKeys=a&tagKeys=b%20c`));
    assert.deepEqual(u.input, { ResourceArn: arn, TagKeys: ['a', 'b c'] });
  });

  test('empty body on a body operation reads as {}', () => {
    assert.deepEqual(parse(rbin, rreq('PATCH', '/rules/r1', '')).input, { Identifier: 'r1' });
  });

  test('malformed input -> SerializationException 400', () => {
    const bad: Array<[string, string, string | Buffer]> = [
      ['POST', '/list-rules', '{"ResourceType":'],
      ['POST', '/list-rules', '[]'],
      ['POST', '/list-rules', '{"MaxResults":"10"}'],
      ['POST', '/list-rules', '{"MaxResults":99999999999}'],
      ['POST', '/list-rules', Buffer.from([0x7b, 0xc3, 0x28, 0x7d])],
      ['POST', '/rules', '{"RetentionPeriod":{"RetentionPeriodValue":"seven"}}'],
      ['POST', '/rules', '{"Tags":{"Key":"k"}}'],
      ['GET', '/rules/%E0%A4%A', ''],
    ];
    for (const [m, p, b] of bad) {
      const e = serviceErrorOf(() => parse(rbin, rreq(m, p, b)));
      assert.equal(e.code, 'SerializationException', `${m} ${p} ${String(b)}`);
      assert.equal(e.status, 400);
    }
  });
});

describe('rest-json output and errors', () => {
  test('CreateRule: 201 with JSON body', () => {
    const res = restJsonCodec.serializeOutput(rbin, rbin.operations.CreateRule!, {
      Identifier: 'r1',
      RetentionPeriod: { RetentionPeriodValue: 7, RetentionPeriodUnit: 'DAYS' },
      Status: 'available',
      LockState: undefined,
    }, ctx);
    assert.equal(res.status, 201);
    assert.equal(res.headers['Content-Type'], 'application/json');
    assert.equal(res.headers['x-amzn-RequestId'], ctx.requestId);
    assert.deepEqual(JSON.parse(String(res.body)), { Identifier: 'r1', RetentionPeriod: { RetentionPeriodValue: 7, RetentionPeriodUnit: 'DAYS' }, Status: 'available' });
  });

  test('GetRule: timestamps as epoch seconds', () => {
    const res = restJsonCodec.serializeOutput(rbin, rbin.operations.GetRule!, { Identifier: 'r1', LockEndTime: new Date('2024-01-02T03:04:05.500Z') }, ctx);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(String(res.body)), { Identifier: 'r1', LockEndTime: 1704164645.5 });
  });

  test('ListRules output; DeleteRule 204 without body; TagResource 201 {}', () => {
    const list = restJsonCodec.serializeOutput(rbin, rbin.operations.ListRules!, { Rules: [{ Identifier: 'a', LockState: 'locked' }], NextToken: 't' }, ctx);
    assert.deepEqual(JSON.parse(String(list.body)), { Rules: [{ Identifier: 'a', LockState: 'locked' }], NextToken: 't' });
    const del = restJsonCodec.serializeOutput(rbin, rbin.operations.DeleteRule!, {}, ctx);
    assert.equal(del.status, 204);
    assert.equal(del.body, '');
    const tag = restJsonCodec.serializeOutput(rbin, rbin.operations.TagResource!, undefined, ctx);
    assert.equal(tag.status, 201);
    assert.equal(tag.body, '{}');
  });

  test('modelled error: X-Amzn-ErrorType, Message, extra fields, status', () => {
    const err = new ServiceError('ResourceNotFoundException', 'Rule r1 not found', 404, { fields: { Reason: 'RULE_NOT_FOUND' } });
    const res = restJsonCodec.serializeError(rbin, rbin.operations.GetRule, err, ctx);
    assert.equal(res.status, 404);
    assert.equal(res.headers['X-Amzn-ErrorType'], 'ResourceNotFoundException');
    assert.equal(res.headers['Content-Type'], 'application/json');
    const body = JSON.parse(String(res.body));
    assert.deepEqual(body, { Message: 'Rule r1 not found', Reason: 'RULE_NOT_FOUND' });
    assert.equal(loadRestJsonErrorCode({ statusCode: 404, headers: res.headers } as never, body), 'ResourceNotFoundException');
  });

  test('unmodelled error uses lower-case message', () => {
    const res = restJsonCodec.serializeError(rbin, undefined, new ServiceError('AccessDeniedException', 'User is not authorized', 403), ctx);
    assert.equal(res.status, 403);
    assert.equal(res.headers['X-Amzn-ErrorType'], 'AccessDeniedException');
    assert.deepEqual(JSON.parse(String(res.body)), { message: 'User is not authorized' });
  });
});

describe('rest-json: synthetic bindings (headers, query types, payloads)', () => {
  const m: ServiceModel = {
    metadata: { apiVersion: '2020-01-01', endpointPrefix: 'thing', protocol: 'rest-json', serviceFullName: 'Thing', serviceId: 'Thing' },
    operations: {
      PutBlob: { name: 'PutBlob', http: { method: 'PUT', requestUri: '/blobs/{Path+}?upload' }, input: { shape: 'PutBlobIn' }, output: { shape: 'PutBlobOut' } },
      GetDoc: { name: 'GetDoc', http: { method: 'GET', requestUri: '/docs/{Id}' }, input: { shape: 'GetDocIn' }, output: { shape: 'GetDocOut' } },
    },
    shapes: {
      PutBlobIn: {
        type: 'structure',
        required: ['Path'],
        payload: 'Data',
        members: {
          Path: { shape: 'S', location: 'uri', locationName: 'Path' },
          Since: { shape: 'T', location: 'header', locationName: 'X-Since' },
          Flags: { shape: 'SList', location: 'header', locationName: 'X-Flags' },
          Limit: { shape: 'I', location: 'querystring', locationName: 'limit' },
          When: { shape: 'T', location: 'querystring', locationName: 'when' },
          Meta: { shape: 'SMap', location: 'headers', locationName: 'x-meta-' },
          Extra: { shape: 'SMap', location: 'querystring' },
          Data: { shape: 'B' },
        },
      },
      PutBlobOut: {
        type: 'structure',
        payload: 'Data',
        members: { Status: { shape: 'I', location: 'statusCode' }, Updated: { shape: 'T', location: 'header', locationName: 'X-Updated' }, Data: { shape: 'B' } },
      },
      GetDocIn: { type: 'structure', members: { Id: { shape: 'S', location: 'uri', locationName: 'Id' } } },
      GetDocOut: { type: 'structure', payload: 'Doc', members: { Doc: { shape: 'Doc' }, Version: { shape: 'I', location: 'header', locationName: 'X-Version' } } },
      Doc: { type: 'structure', members: { Title: { shape: 'S', locationName: 'title' } } },
      S: { type: 'string' },
      I: { type: 'integer' },
      T: { type: 'timestamp' },
      B: { type: 'blob' },
      SList: { type: 'list', member: { shape: 'S' } },
      SMap: { type: 'map', key: { shape: 'S' }, value: { shape: 'S' } },
    },
  };

  test('greedy label, query literal, typed headers/query, header and query maps, blob payload', () => {
    const r = parse(m, rreq('PUT', '/blobs/a/b%2Fc.txt?upload&limit=5&when=2024-01-02T03%3A04%3A05Z&foo=bar', Buffer.from([1, 2, 3]), {
      'x-since': 'Tue, 02 Jan 2024 03:04:05 GMT',
      'x-flags': 'a, b,c',
      'x-meta-owner': 'me',
    }));
    assert.equal(r.op, 'PutBlob');
    assert.deepEqual(r.input, {
      Path: 'a/b/c.txt',
      Since: new Date('2024-01-02T03:04:05Z'),
      Flags: ['a', 'b', 'c'],
      Limit: 5,
      When: new Date('2024-01-02T03:04:05Z'),
      Meta: { owner: 'me' },
      Extra: { foo: 'bar' },
      Data: Buffer.from([1, 2, 3]),
    });
    assert.equal(serviceErrorOf(() => parse(m, rreq('PUT', '/blobs/x?upload&limit=five'))).code, 'SerializationException');
    // Without the literal the template does not match.
    assert.equal(serviceErrorOf(() => restJsonCodec.resolveOperation(rreq('PUT', '/blobs/x'), m)).status, 404);
  });

  test('statusCode member, header timestamps as HTTP dates, blob and structure payloads', () => {
    const res = restJsonCodec.serializeOutput(m, m.operations.PutBlob!, { Status: 202, Updated: new Date('2024-01-02T03:04:05Z'), Data: Buffer.from('raw') }, ctx);
    assert.equal(res.status, 202);
    assert.equal(res.headers['X-Updated'], 'Tue, 02 Jan 2024 03:04:05 GMT');
    assert.equal(res.headers['Content-Type'], 'application/octet-stream');
    assert.equal(String(res.body), 'raw');
    const doc = restJsonCodec.serializeOutput(m, m.operations.GetDoc!, { Doc: { Title: 't' }, Version: 3 }, ctx);
    assert.equal(doc.headers['X-Version'], '3');
    assert.deepEqual(JSON.parse(String(doc.body)), { title: 't' });
  });
});
