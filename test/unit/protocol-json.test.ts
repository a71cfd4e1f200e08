import { serviceErrorOf } from './codec-harness.js';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadRestJsonErrorCode } from '@aws-sdk/core/protocols';
import { loadModel } from '../../src/model/load.js';
import type { ServiceModel } from '../../src/model/types.js';
import { jsonCodec, isQueryMode } from '../../src/protocols/json.js';
import { ServiceError } from '../../src/gateway/errors.js';
import type { WireRequest } from '../../src/protocols/types.js';

const sq = loadModel('service-quotas');

/** A tiny DynamoDB-style JSON 1.0 model exercising every scalar kind. */
const ddb: ServiceModel = {
  metadata: {
    apiVersion: '2012-08-10',
    endpointPrefix: 'dynamodb',
    jsonVersion: '1.0',
    protocol: 'json',
    serviceFullName: 'Test DB',
    serviceId: 'TestDB',
    targetPrefix: 'DynamoDB_20120810',
  },
  operations: {
    PutThing: { name: 'PutThing', http: { method: 'POST', requestUri: '/' }, input: { shape: 'PutThingInput' }, output: { shape: 'PutThingOutput' }, errors: [{ shape: 'ResourceNotFoundException' }] },
    Ping: { name: 'Ping', http: { method: 'POST', requestUri: '/' } },
  },
  shapes: {
    PutThingInput: {
      type: 'structure',
      required: ['Name'],
      members: {
        Name: { shape: 'String' },
        Count: { shape: 'Integer' },
        Big: { shape: 'Long' },
        Ratio: { shape: 'Double' },
        Enabled: { shape: 'Boolean' },
        At: { shape: 'Timestamp' },
        AtIso: { shape: 'Timestamp', timestampFormat: 'iso8601' },
        Data: { shape: 'Blob' },
        Tags: { shape: 'TagList' },
        Attrs: { shape: 'AttrMap' },
        Nested: { shape: 'Nested' },
        Renamed: { shape: 'String', locationName: 'wireName' },
      },
    },
    PutThingOutput: {
      type: 'structure',
      members: { Name: { shape: 'String' }, CreatedAt: { shape: 'Timestamp' }, Data: { shape: 'Blob' }, Ratio: { shape: 'Double' }, Tags: { shape: 'TagList' }, Nested: { shape: 'Nested' } },
    },
    Nested: { type: 'structure', members: { Inner: { shape: 'Nested' }, Value: { shape: 'Integer' } } },
    TagList: { type: 'list', member: { shape: 'String' } },
    AttrMap: { type: 'map', key: { shape: 'String' }, value: { shape: 'Integer' } },
    ResourceNotFoundException: { type: 'structure', members: { message: { shape: 'String' } }, exception: true },
    String: { type: 'string' },
    Integer: { type: 'integer' },
    Long: { type: 'long' },
    Double: { type: 'double' },
    Boolean: { type: 'boolean' },
    Timestamp: { type: 'timestamp' },
    Blob: { type: 'blob' },
  },
};

function jreq(target: string | undefined, body: string | Buffer, headers: Record<string, string> = {}): WireRequest {
  return {
    method: 'POST',
    path: '/',
    rawQuery: '',
    headers: { 'content-type': 'application/x-amz-json-1.1', ...(target ? { 'x-amz-target': target } : {}), ...headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}

function parse(model: ServiceModel, req: WireRequest): { op: string; input: Record<string, unknown> } {
  const op = jsonCodec.resolveOperation(req, model);
  return { op: op.name, input: jsonCodec.parseInput(req, model, op) };
}


const ctx = { requestId: '11111111-2222-3333-4444-555555555555' };

describe('json 1.1 (service-quotas)', () => {
  test('GetServiceQuota: request as the SDK sends it', () => {
    const r = parse(sq, jreq('ServiceQuotasV20190624.GetServiceQuota', '{"ServiceCode":"ec2","QuotaCode":"L-1216C47A"}'));
    assert.equal(r.op, 'GetServiceQuota');
    assert.deepEqual(r.input, { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' });
  });

  test('GetServiceQuota: output', () => {
    const res = jsonCodec.serializeOutput(sq, sq.operations.GetServiceQuota!, {
      Quota: {
        ServiceCode: 'ec2',
        QuotaCode: 'L-1216C47A',
        QuotaName: 'Running On-Demand Standard instances',
        Value: 5,
        Adjustable: true,
        GlobalQuota: false,
        UsageMetric: { MetricNamespace: 'AWS/Usage', MetricName: 'ResourceCount', MetricDimensions: { Service: 'EC2', Type: 'Resource' } },
        Period: { PeriodValue: 1, PeriodUnit: 'SECOND' },
        Unused: 'not in the model',
      },
    }, ctx);
    assert.equal(res.status, 200);
    assert.equal(res.headers['Content-Type'], 'application/x-amz-json-1.1');
    assert.equal(res.headers['x-amzn-RequestId'], ctx.requestId);
    assert.deepEqual(JSON.parse(String(res.body)), {
      Quota: {
        ServiceCode: 'ec2',
        QuotaCode: 'L-1216C47A',
        QuotaName: 'Running On-Demand Standard instances',
        Value: 5,
        Adjustable: true,
        GlobalQuota: false,
        UsageMetric: { MetricNamespace: 'AWS/Usage', MetricName: 'ResourceCount', MetricDimensions: { Service: 'EC2', Type: 'Resource' } },
        Period: { PeriodValue: 1, PeriodUnit: 'SECOND' },
      },
    });
  });

  test('ListServiceQuotas: input and list output; empty output is {}', () => {
    const r = parse(sq, jreq('ServiceQuotasV20190624.ListServiceQuotas', '{"ServiceCode":"ec2","MaxResults":10,"NextToken":null}'));
    assert.deepEqual(r.input, { ServiceCode: 'ec2', MaxResults: 10 });
    const res = jsonCodec.serializeOutput(sq, sq.operations.ListServiceQuotas!, { Quotas: [{ QuotaCode: 'L-1', Value: 1.5 }, { QuotaCode: 'L-2', Value: 0 }], NextToken: 'n' }, ctx);
    assert.deepEqual(JSON.parse(String(res.body)), { NextToken: 'n', Quotas: [{ QuotaCode: 'L-1', Value: 1.5 }, { QuotaCode: 'L-2', Value: 0 }] });
    assert.equal(jsonCodec.serializeOutput(sq, sq.operations.ListServiceQuotas!, undefined, ctx).body, '{}');
  });

  test('unknown or missing target -> UnknownOperationException 400', () => {
    for (const t of ['ServiceQuotasV20190624.NoSuchOp', 'WrongPrefix.GetServiceQuota', 'GetServiceQuota', undefined]) {
      const e = serviceErrorOf(() => jsonCodec.resolveOperation(jreq(t, '{}'), sq));
      assert.equal(e.code, 'UnknownOperationException');
      assert.equal(e.status, 400);
    }
  });

  test('modelled error: __type, Message (as the model names it), status', () => {
    const err = new ServiceError('NoSuchResourceException', 'The request failed because the specified service does not exist.', 400);
    const res = jsonCodec.serializeError(sq, sq.operations.GetServiceQuota, err, ctx);
    assert.equal(res.status, 400);
    assert.equal(res.headers['Content-Type'], 'application/x-amz-json-1.1');
    assert.equal(res.headers['x-amzn-query-error'], undefined);
    const body = JSON.parse(String(res.body));
    assert.deepEqual(body, { __type: 'NoSuchResourceException', Message: 'The request failed because the specified service does not exist.' });
    // The JS v3 SDK finds the code from this body.
    assert.equal(loadRestJsonErrorCode({ statusCode: 400, headers: res.headers } as never, body), 'NoSuchResourceException');
  });
});

describe('json 1.0 (synthetic DynamoDB-style model)', () => {
  test('every scalar kind, lists, maps, nesting, locationName', () => {
    const body = JSON.stringify({
      Name: 'n',
      Count: -3,
      Big: 9007199254740991,
      Ratio: 'NaN',
      Enabled: false,
      At: 1445412480.123,
      AtIso: '2015-10-21T07:28:00Z',
      Data: Buffer.from('bytes\u0000').toString('base64'),
      Tags: ['a', null, 'b'],
      Attrs: { x: 1, y: null },
      Nested: { Inner: { Value: 2 }, Value: 1 },
      wireName: 'w',
      Unknown: { ignored: true },
    });
    const r = parse(ddb, jreq('DynamoDB_20120810.PutThing', body));
    assert.equal(r.op, 'PutThing');
    assert.equal(r.input.Name, 'n');
    assert.equal(r.input.Count, -3);
    assert.equal(r.input.Big, 9007199254740991);
    assert.ok(Number.isNaN(r.input.Ratio));
    assert.equal(r.input.Enabled, false);
    assert.deepEqual(r.input.At, new Date(1445412480123));
    assert.deepEqual(r.input.AtIso, new Date('2015-10-21T07:28:00Z'));
    assert.deepEqual(r.input.Data, Buffer.from('bytes\u0000'));
    assert.deepEqual(r.input.Tags, ['a', 'b']);
    assert.deepEqual(r.input.Attrs, { x: 1 });
    assert.deepEqual(r.input.Nested, { Inner: { Value: 2 }, Value: 1 });
    assert.equal(r.input.Renamed, 'w');
    assert.ok(!('Unknown' in r.input));
  });

  test('empty body reads as {}; operation without input', () => {
    assert.deepEqual(parse(ddb, jreq('DynamoDB_20120810.PutThing', '')).input, {});
    assert.deepEqual(parse(ddb, jreq('DynamoDB_20120810.Ping', '{}')).input, {});
  });

  test('output: content type 1.0, epoch-second timestamps, base64 blobs, NaN spelt out', () => {
    const res = jsonCodec.serializeOutput(ddb, ddb.operations.PutThing!, {
      Name: 'n',
      CreatedAt: new Date(1445412480123),
      Data: Buffer.from([0, 1, 2, 255]),
      Ratio: Infinity,
      Tags: ['a', undefined, 'b'],
      Nested: { Inner: {}, Value: undefined },
    }, ctx);
    assert.equal(res.headers['Content-Type'], 'application/x-amz-json-1.0');
    assert.deepEqual(JSON.parse(String(res.body)), { Name: 'n', CreatedAt: 1445412480.123, Data: 'AAEC/w==', Ratio: 'Infinity', Tags: ['a', 'b'], Nested: { Inner: {} } });
  });

  test('malformed input -> SerializationException 400, never a crash', () => {
    const bad: Array<string | Buffer> = [
      '{"Name": "n"',
      'not json',
      '[1,2,3]',
      '"str"',
      'null',
      Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      '{"Count": "5"}',
      '{"Count": 1.5}',
      '{"Count": 1e20}',
      '{"Big": 1e300}',
      '{"Ratio": true}',
      '{"Name": 5}',
      '{"Name": {"a": 1}}',
      '{"Enabled": "true"}',
      '{"At": "yesterday"}',
      '{"At": 1e300}',
      '{"Data": "@@@not base64"}',
      '{"Tags": "a"}',
      '{"Tags": [1]}',
      '{"Attrs": []}',
      '{"Attrs": {"x": "y"}}',
      '{"Nested": []}',
      '{"Nested": ' + '{"Inner": '.repeat(300) + '{}' + '}'.repeat(300) + '}',
      '['.repeat(100000) + ']'.repeat(100000),
    ];
    for (const b of bad) {
      const e = serviceErrorOf(() => parse(ddb, jreq('DynamoDB_20120810.PutThing', b)));
      assert.equal(e.code, 'SerializationException', `body ${String(b).slice(0, 50)}`);
      assert.equal(e.status, 400);
    }
  });

  test('error: __type + message (lower-case, per the model)', () => {
    const res = jsonCodec.serializeError(ddb, ddb.operations.PutThing, new ServiceError('ResourceNotFoundException', 'Requested resource not found', 400, { fields: { TableName: 't' } }), ctx);
    assert.equal(res.headers['Content-Type'], 'application/x-amz-json-1.0');
    assert.deepEqual(JSON.parse(String(res.body)), { __type: 'ResourceNotFoundException', message: 'Requested resource not found', TableName: 't' });
    const unk = jsonCodec.serializeError(ddb, undefined, new ServiceError('UnknownOperationException', '', 400), ctx);
    assert.deepEqual(JSON.parse(String(unk.body)), { __type: 'UnknownOperationException' });
  });

  test('query-compatible mode: x-amzn-query-error header', () => {
    assert.equal(isQueryMode(jreq('X.Y', '{}', { 'x-amzn-query-mode': 'true' })), true);
    assert.equal(isQueryMode(jreq('X.Y', '{}')), false);
    const err = new ServiceError('ResourceNotFoundException', 'gone', 400);
    const res = jsonCodec.serializeError(ddb, undefined, err, { ...ctx, queryMode: true } as typeof ctx);
    assert.equal(res.headers['x-amzn-query-error'], 'ResourceNotFoundException;Sender');
    const fault = jsonCodec.serializeError(ddb, undefined, new ServiceError('InternalFailure', 'oops', 500), { ...ctx, queryMode: true } as typeof ctx);
    assert.equal(fault.headers['x-amzn-query-error'], 'InternalFailure;Receiver');
    assert.equal(fault.status, 500);
    // A model with awsQueryCompatible always sends it, using the modelled query code.
    const compat = structuredClone(ddb) as ServiceModel & { metadata: { awsQueryCompatible?: object } };
    compat.metadata.awsQueryCompatible = {};
    compat.shapes.ResourceNotFoundException!.error = { code: 'AWS.Test.NonExistent', httpStatusCode: 400, senderFault: true };
    const q = jsonCodec.serializeError(compat, undefined, err, ctx);
    assert.equal(q.headers['x-amzn-query-error'], 'AWS.Test.NonExistent;Sender');
    assert.equal(JSON.parse(String(q.body)).__type, 'ResourceNotFoundException');
  });
});
