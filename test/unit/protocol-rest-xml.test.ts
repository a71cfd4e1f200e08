import { serviceErrorOf } from './codec-harness.js';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListBucketsCommand,
  GetBucketLocationCommand,
  DeleteObjectsCommand,
  PutBucketTaggingCommand,
  GetObjectAclCommand,
} from '@aws-sdk/client-s3';
import { loadModel } from '../../src/model/load.js';
import { restXmlCodec } from '../../src/protocols/rest-xml.js';
import { ServiceError } from '../../src/gateway/errors.js';
import type { WireRequest } from '../../src/protocols/types.js';

const model = loadModel('s3');
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function wreq(method: string, target: string, headers: Record<string, string> = {}, body: Buffer | string = '', hostBucket?: string): WireRequest {
  const q = target.indexOf('?');
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    headers,
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    ...(hostBucket ? { hostBucket } : {}),
  };
}

function parse(req: WireRequest): { op: string; input: Record<string, unknown> } {
  const op = restXmlCodec.resolveOperation(req, model);
  return { op: op.name, input: restXmlCodec.parseInput(req, model, op) };
}


describe('rest-xml routing', () => {
  const cases: Array<[string, string, Record<string, string>, string]> = [
    ['GET', '/', {}, 'ListBuckets'],
    ['GET', '/bkt', {}, 'ListObjects'],
    ['GET', '/bkt/?list-type=2&prefix=a', {}, 'ListObjectsV2'],
    ['GET', '/bkt?location', {}, 'GetBucketLocation'],
    ['GET', '/bkt?lifecycle', {}, 'GetBucketLifecycleConfiguration'],
    ['PUT', '/bkt', {}, 'CreateBucket'],
    ['PUT', '/bkt/k', {}, 'PutObject'],
    ['PUT', '/bkt/k', { 'x-amz-copy-source': 'src/key' }, 'CopyObject'],
    ['PUT', '/bkt/k?partNumber=1&uploadId=u', {}, 'UploadPart'],
    ['PUT', '/bkt/k?partNumber=1&uploadId=u', { 'x-amz-copy-source': 'src/key' }, 'UploadPartCopy'],
    ['GET', '/bkt/a/b/c', {}, 'GetObject'],
    ['GET', '/bkt/k?uploadId=u', {}, 'ListParts'],
    ['HEAD', '/bkt', {}, 'HeadBucket'],
    ['HEAD', '/bkt/k', {}, 'HeadObject'],
    ['POST', '/bkt?delete', {}, 'DeleteObjects'],
    ['POST', '/bkt/k?uploads', {}, 'CreateMultipartUpload'],
    ['POST', '/bkt/k?uploadId=u', {}, 'CompleteMultipartUpload'],
    ['GET', '/bkt?analytics', {}, 'ListBucketAnalyticsConfigurations'],
    ['GET', '/bkt?analytics&id=x', {}, 'GetBucketAnalyticsConfiguration'],
    ['DELETE', '/bkt/k?uploadId=u', {}, 'AbortMultipartUpload'],
    ['DELETE', '/bkt/k', {}, 'DeleteObject'],
    ['GET', '/bkt/k?tagging', {}, 'GetObjectTagging'],
    ['GET', '/bkt?list-type=1', {}, 'ListObjects'],
  ];
  for (const [method, target, headers, expected] of cases) {
    test(`${method} ${target} ${Object.keys(headers).join(',')} -> ${expected}`, () => {
      assert.equal(restXmlCodec.resolveOperation(wreq(method, target, headers), model).name, expected);
    });
  }

  test('virtual-host style: the bucket comes from hostBucket', () => {
    const r = parse(wreq('GET', '/dir/file.txt', {}, '', 'vbucket'));
    assert.equal(r.op, 'GetObject');
    assert.equal(r.input.Bucket, 'vbucket');
    assert.equal(r.input.Key, 'dir/file.txt');
    assert.equal(parse(wreq('GET', '/?list-type=2', {}, '', 'vbucket')).op, 'ListObjectsV2');
    assert.equal(parse(wreq('PUT', '/', {}, '', 'vbucket')).input.Bucket, 'vbucket');
  });

  test('unsupported method -> MethodNotAllowed 405', () => {
    const e = serviceErrorOf(() => restXmlCodec.resolveOperation(wreq('PATCH', '/bkt/key'), model));
    assert.equal(e.code, 'MethodNotAllowed');
    assert.equal(e.status, 405);
    assert.deepEqual(e.fields, { Method: 'PATCH', ResourceType: 'OBJECT' });
  });
});

describe('rest-xml input parsing', () => {
  test('uri labels are percent-decoded; greedy key keeps slashes, + stays +', () => {
    const r = parse(wreq('GET', '/bkt/a%20b/c+d%2Fe'));
    assert.equal(r.input.Key, 'a b/c+d/e');
  });

  test('querystring members, typed; literal subresource not bound', () => {
    const r = parse(wreq('GET', '/bkt?list-type=2&prefix=photos%2F2024&max-keys=5&fetch-owner=true&start-after=a+b'));
    assert.equal(r.op, 'ListObjectsV2');
    assert.deepEqual(r.input, { Bucket: 'bkt', Prefix: 'photos/2024', MaxKeys: 5, FetchOwner: true, StartAfter: 'a b' });
  });

  test('wrong type in the query string -> InvalidArgument', () => {
    const e = serviceErrorOf(() => parse(wreq('GET', '/bkt?list-type=2&max-keys=abc')));
    assert.equal(e.code, 'InvalidArgument');
    assert.equal(e.status, 400);
    assert.equal(e.fields.ArgumentName, 'max-keys');
    assert.equal(e.fields.ArgumentValue, 'abc');
  });

  test('bad percent-encoding -> InvalidURI', () => {
    assert.equal(serviceErrorOf(() => parse(wreq('GET', '/bkt/%E0%A4%A'))).code, 'InvalidURI');
  });

  test('headers: metadata map, timestamps, integers', () => {
    const r = parse(
      wreq('PUT', '/bkt/obj', {
        'x-amz-meta-color': 'blue',
        'x-amz-meta-size': 'xl',
        'content-type': 'text/plain',
        'content-length': '5',
        expires: 'Wed, 21 Oct 2015 07:28:00 GMT',
        'x-amz-object-lock-retain-until-date': '2030-01-02T03:04:05.123Z',
      }, 'hello'),
    );
    assert.equal(r.op, 'PutObject');
    assert.deepEqual(r.input.Metadata, { color: 'blue', size: 'xl' });
    assert.equal(r.input.ContentType, 'text/plain');
    assert.equal(r.input.ContentLength, 5);
    assert.equal(r.input.Expires, 'Wed, 21 Oct 2015 07:28:00 GMT'); // a string shape in current models
    assert.deepEqual(r.input.ObjectLockRetainUntilDate, new Date('2030-01-02T03:04:05.123Z'));
    assert.ok(Buffer.isBuffer(r.input.Body));
    assert.equal((r.input.Body as Buffer).toString(), 'hello');
    const g = parse(wreq('GET', '/bkt/obj', { 'if-modified-since': 'Wed, 21 Oct 2015 07:28:00 GMT', 'x-amz-checksum-mode': 'ENABLED' }));
    assert.deepEqual(g.input.IfModifiedSince, new Date('2015-10-21T07:28:00Z'));
    assert.equal(g.input.ChecksumMode, 'ENABLED');
    // HTTP conditionals with a bad date are ignored; other typed headers are rejected.
    assert.equal(parse(wreq('GET', '/bkt/obj', { 'if-modified-since': 'yesterday' })).input.IfModifiedSince, undefined);
    const e = serviceErrorOf(() => parse(wreq('PUT', '/bkt/obj', { 'x-amz-object-lock-retain-until-date': 'tomorrow' })));
    assert.equal(e.code, 'InvalidArgument');
    assert.equal(e.fields.ArgumentName, 'x-amz-object-lock-retain-until-date');
  });

  test('CreateBucket configuration body', () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<CreateBucketConfiguration xmlns="${NS}"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`;
    const r = parse(wreq('PUT', '/newbkt', { 'x-amz-acl': 'private' }, body));
    assert.deepEqual(r.input, { Bucket: 'newbkt', ACL: 'private', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } });
    assert.deepEqual(parse(wreq('PUT', '/newbkt')).input, { Bucket: 'newbkt' });
  });

  test('DeleteObjects body: flattened Object list, text kept verbatim', () => {
    const body = `<Delete xmlns="${NS}"><Object><Key> spaced &amp; odd&#xD;</Key></Object><Object><Key>b</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>`;
    const r = parse(wreq('POST', '/bkt?delete', { 'content-md5': 'x' }, body));
    assert.deepEqual(r.input.Delete, { Objects: [{ Key: ' spaced & odd\r' }, { Key: 'b', VersionId: 'v1' }], Quiet: true });
  });

  test('attributes (xsi:type) and non-flattened lists in a body', () => {
    const body = `<AccessControlPolicy xmlns="${NS}"><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList><Owner><ID>own</ID></Owner></AccessControlPolicy>`;
    const r = parse(wreq('PUT', '/bkt?acl', {}, body));
    assert.equal(r.op, 'PutBucketAcl');
    assert.deepEqual(r.input.AccessControlPolicy, {
      Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'abc' }, Permission: 'READ' }],
      Owner: { ID: 'own' },
    });
  });

  test('malformed bodies -> MalformedXML, never a crash', () => {
    const bad: Array<string | Buffer> = [
      '<Tagging><TagSet><Tag><Key>a</Key></TagSet></Tagging>',
      '<Tagging><TagSet>',
      'not xml',
      '<Tagging></Tagging><Tagging></Tagging>',
      Buffer.from([0x3c, 0x54, 0x61, 0xff, 0xfe, 0x3e]),
      '<!DOCTYPE x [<!ENTITY a "aaaa">]><Tagging>&a;</Tagging>',
      '<WrongRoot><TagSet/></WrongRoot>',
      '<a>'.repeat(5000) + '</a>'.repeat(5000),
    ];
    for (const b of bad) {
      const e = serviceErrorOf(() => parse(wreq('PUT', '/bkt?tagging', {}, b)));
      assert.equal(e.code, 'MalformedXML', `body ${String(b).slice(0, 40)}`);
      assert.equal(e.status, 400);
    }
    // A well-formed body is accepted.
    assert.deepEqual(parse(wreq('PUT', '/bkt?versioning', {}, '<VersioningConfiguration><MfaDelete>Disabled</MfaDelete><Status>Enabled</Status></VersioningConfiguration>')).input.VersioningConfiguration, { MFADelete: 'Disabled', Status: 'Enabled' });
  });

  test('wrong scalar type in XML -> MalformedXML', () => {
    const body = `<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status><Filter><Prefix></Prefix></Filter><Expiration><Days>ten</Days></Expiration></Rule></LifecycleConfiguration>`;
    assert.equal(serviceErrorOf(() => parse(wreq('PUT', '/bkt?lifecycle', {}, body))).code, 'MalformedXML');
  });
});

describe('rest-xml output serialization', () => {
  const ctx = { requestId: 'REQ123', hostId: 'HOST456' };

  test('ListObjectsV2: root, namespace, flattened Contents/CommonPrefixes, ms timestamps', () => {
    const op = model.operations.ListObjectsV2!;
    const res = restXmlCodec.serializeOutput(model, op, {
      IsTruncated: false,
      Name: 'bkt',
      Prefix: '',
      KeyCount: 2,
      MaxKeys: 1000,
      Contents: [
        { Key: 'a&b.txt', LastModified: new Date('2009-10-12T17:50:30Z'), ETag: '"e1"', Size: 3, StorageClass: 'STANDARD' },
        { Key: 'c.txt', LastModified: new Date('2009-10-12T17:50:31.5Z'), ETag: '"e2"', Size: 4, StorageClass: 'STANDARD' },
      ],
      CommonPrefixes: [{ Prefix: 'photos/' }],
    }, ctx);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-amz-request-id'], 'REQ123');
    assert.equal(res.headers['x-amz-id-2'], 'HOST456');
    assert.equal(res.headers['Content-Type'], 'application/xml');
    const xml = String(res.body);
    assert.ok(xml.startsWith(`<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${NS}">`), xml);
    assert.match(xml, /<Contents><Key>a&amp;b.txt<\/Key><LastModified>2009-10-12T17:50:30.000Z<\/LastModified><ETag>&quot;e1&quot;<\/ETag>/);
    assert.match(xml, /<\/Contents><Contents><Key>c.txt/);
    assert.match(xml, /<CommonPrefixes><Prefix>photos\/<\/Prefix><\/CommonPrefixes>/);
    assert.match(xml, /<KeyCount>2<\/KeyCount>/);
    assert.ok(!xml.includes('<member>'));
  });

  test('GetBucketLocation: the odd bare LocationConstraint document', () => {
    const op = model.operations.GetBucketLocation!;
    assert.equal(
      String(restXmlCodec.serializeOutput(model, op, { LocationConstraint: 'eu-west-1' }, ctx).body),
      `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${NS}">eu-west-1</LocationConstraint>`,
    );
    assert.equal(
      String(restXmlCodec.serializeOutput(model, op, {}, ctx).body),
      `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${NS}"/>`,
    );
  });

  test('GetObject: headers from members, raw streaming body, RFC 1123 dates', () => {
    const op = model.operations.GetObject!;
    const res = restXmlCodec.serializeOutput(model, op, {
      Body: Buffer.from('hel'),
      ContentLength: 3,
      ContentRange: 'bytes 0-2/5',
      ETag: '"abc"',
      LastModified: new Date('2015-10-21T07:28:00Z'),
      ContentType: 'text/plain',
      Metadata: { color: 'blue', note: 'héllo' },
    }, ctx);
    assert.equal(res.headers['Content-Length'], '3');
    assert.equal(res.headers['Content-Range'], 'bytes 0-2/5');
    assert.equal(res.headers['ETag'], '"abc"');
    assert.equal(res.headers['Last-Modified'], 'Wed, 21 Oct 2015 07:28:00 GMT');
    assert.equal(res.headers['Content-Type'], 'text/plain');
    assert.equal(res.headers['x-amz-meta-color'], 'blue');
    assert.equal(res.headers['x-amz-meta-note'], `=?UTF-8?B?${Buffer.from('héllo').toString('base64')}?=`);
    assert.ok(Buffer.isBuffer(res.body));
    assert.equal(res.body.toString(), 'hel');
  });

  test('status from responseCode; HEAD and 204 have no body', () => {
    assert.equal(restXmlCodec.serializeOutput(model, model.operations.DeleteObject!, {}, ctx).status, 204);
    const head = restXmlCodec.serializeOutput(model, model.operations.HeadObject!, { ContentLength: 10, ETag: '"x"' }, ctx);
    assert.equal(head.body, '');
    assert.equal(head.headers['Content-Length'], '10');
  });

  test('structure payload with locationName (GetObjectRetention)', () => {
    const res = restXmlCodec.serializeOutput(model, model.operations.GetObjectRetention!, {
      Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2030-01-01T00:00:00Z') },
    }, ctx);
    assert.equal(
      String(res.body),
      `<?xml version="1.0" encoding="UTF-8"?>\n<Retention xmlns="${NS}"><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-01T00:00:00.000Z</RetainUntilDate></Retention>`,
    );
  });

  test('errors: bare <Error> with fields; HEAD has no body', () => {
    const err = new ServiceError('NoSuchKey', 'The specified key does not exist.', 404, { fields: { Key: 'a<b' } });
    const res = restXmlCodec.serializeError(model, model.operations.GetObject, err, ctx);
    assert.equal(res.status, 404);
    assert.equal(res.headers['Content-Type'], 'application/xml');
    assert.equal(
      String(res.body),
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&lt;b</Key><RequestId>REQ123</RequestId><HostId>HOST456</HostId></Error>',
    );
    const head = restXmlCodec.serializeError(model, model.operations.HeadObject, err, ctx);
    assert.equal(head.status, 404);
    assert.equal(head.body, '');
    assert.equal(head.headers['x-amz-request-id'], 'REQ123');
    assert.equal(restXmlCodec.serializeError(model, undefined, err, { ...ctx, method: 'HEAD' } as typeof ctx).body, '');
  });
});

// ---------------------------------------------------------------------------------------------
// Round trip through @aws-sdk/client-s3

type Handler = (op: string, input: Record<string, unknown>) => Record<string, unknown> | undefined;

describe('rest-xml round trip with @aws-sdk/client-s3', () => {
  let server: Server;
  let client: S3Client;
  let handler: Handler = () => ({});
  const seen: Array<{ op: string; input: Record<string, unknown> }> = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
        const w: WireRequest = { method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), headers, body: Buffer.concat(chunks) };
        const ctx = { requestId: 'RID-1', hostId: 'HID-1', method: w.method };
        let op;
        let out;
        try {
          op = restXmlCodec.resolveOperation(w, model);
          const input = restXmlCodec.parseInput(w, model, op);
          seen.push({ op: op.name, input });
          out = restXmlCodec.serializeOutput(model, op, handler(op.name, input), ctx);
        } catch (e) {
          if (!(e instanceof ServiceError)) throw e;
          out = restXmlCodec.serializeError(model, op, e, ctx);
        }
        res.writeHead(out.status, out.headers);
        res.end(w.method === 'HEAD' ? undefined : out.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
  });
  after(() => {
    client?.destroy();
    server?.close();
  });

  function last(): { op: string; input: Record<string, unknown> } {
    return seen[seen.length - 1]!;
  }

  test('CreateBucket with a CreateBucketConfiguration body', async () => {
    handler = () => ({ Location: '/my-bucket' });
    const out = await client.send(new CreateBucketCommand({ Bucket: 'my-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    assert.equal(last().op, 'CreateBucket');
    assert.deepEqual(last().input, { Bucket: 'my-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } });
    assert.equal(out.Location, '/my-bucket');
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.$metadata.requestId, 'RID-1');
  });

  test('PutObject with metadata headers and a body', async () => {
    handler = () => ({ ETag: '"5d41402abc4b2a76b9719d911017c592"', VersionId: 'v1' });
    const out = await client.send(new PutObjectCommand({ Bucket: 'my-bucket', Key: 'dir/hello world.txt', Body: 'hello', ContentType: 'text/plain', Metadata: { Color: 'blue' } }));
    const { op, input } = last();
    assert.equal(op, 'PutObject');
    assert.equal(input.Key, 'dir/hello world.txt');
    assert.equal((input.Body as Buffer).toString(), 'hello');
    assert.equal(input.ContentType, 'text/plain');
    assert.deepEqual(input.Metadata, { color: 'blue' });
    assert.equal(out.ETag, '"5d41402abc4b2a76b9719d911017c592"');
    assert.equal(out.VersionId, 'v1');
  });

  test('GetObject with Range: headers and body parsed by the SDK', async () => {
    handler = () => ({
      Body: Buffer.from('hel'),
      ContentLength: 3,
      ContentRange: 'bytes 0-2/5',
      ETag: '"abc"',
      LastModified: new Date('2015-10-21T07:28:00Z'),
      ContentType: 'text/plain',
      Metadata: { color: 'blue' },
      AcceptRanges: 'bytes',
    });
    const out = await client.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: 'k', Range: 'bytes=0-2' }));
    assert.equal(last().input.Range, 'bytes=0-2');
    assert.equal(await out.Body!.transformToString(), 'hel');
    assert.equal(out.ContentLength, 3);
    assert.equal(out.ContentRange, 'bytes 0-2/5');
    assert.equal(out.ETag, '"abc"');
    assert.equal(out.LastModified?.toISOString(), '2015-10-21T07:28:00.000Z');
    assert.deepEqual(out.Metadata, { color: 'blue' });
  });

  test('ListObjectsV2: flattened Contents and CommonPrefixes, KeyCount', async () => {
    handler = () => ({
      IsTruncated: true,
      Name: 'my-bucket',
      Prefix: 'p/',
      Delimiter: '/',
      MaxKeys: 2,
      KeyCount: 2,
      NextContinuationToken: 'tok',
      Contents: [
        { Key: 'p/a', LastModified: new Date('2024-01-02T03:04:05.678Z'), ETag: '"1"', Size: 1, StorageClass: 'STANDARD', Owner: { ID: 'o', DisplayName: 'me' } },
        { Key: 'p/b&c', LastModified: new Date('2024-01-02T03:04:06Z'), ETag: '"2"', Size: 2, StorageClass: 'STANDARD' },
      ],
      CommonPrefixes: [{ Prefix: 'p/sub/' }],
    });
    const out = await client.send(new ListObjectsV2Command({ Bucket: 'my-bucket', Prefix: 'p/', Delimiter: '/', MaxKeys: 2 }));
    assert.equal(last().op, 'ListObjectsV2');
    assert.deepEqual(last().input, { Bucket: 'my-bucket', Prefix: 'p/', Delimiter: '/', MaxKeys: 2 });
    assert.equal(out.KeyCount, 2);
    assert.equal(out.IsTruncated, true);
    assert.equal(out.NextContinuationToken, 'tok');
    assert.equal(out.Contents?.length, 2);
    assert.equal(out.Contents?.[0]?.LastModified?.toISOString(), '2024-01-02T03:04:05.678Z');
    assert.equal(out.Contents?.[0]?.Owner?.DisplayName, 'me');
    assert.equal(out.Contents?.[1]?.Key, 'p/b&c');
    assert.equal(out.Contents?.[1]?.Size, 2);
    assert.deepEqual(out.CommonPrefixes, [{ Prefix: 'p/sub/' }]);
  });

  test('ListBuckets', async () => {
    handler = () => ({
      Buckets: [{ Name: 'a', CreationDate: new Date('2020-01-01T00:00:00Z'), BucketRegion: 'us-east-1' }, { Name: 'b', CreationDate: new Date('2021-01-01T00:00:00Z') }],
      Owner: { ID: 'owner-id', DisplayName: 'owner' },
    });
    const out = await client.send(new ListBucketsCommand({}));
    assert.equal(last().op, 'ListBuckets');
    assert.deepEqual(out.Buckets?.map((b) => b.Name), ['a', 'b']);
    assert.equal(out.Buckets?.[1]?.CreationDate?.toISOString(), '2021-01-01T00:00:00.000Z');
    assert.equal(out.Owner?.ID, 'owner-id');
  });

  test('GetBucketLocation', async () => {
    handler = () => ({ LocationConstraint: 'eu-west-1' });
    const out = await client.send(new GetBucketLocationCommand({ Bucket: 'my-bucket' }));
    assert.equal(last().op, 'GetBucketLocation');
    assert.equal(out.LocationConstraint, 'eu-west-1');
  });

  test('DeleteObjects: flattened Object list in, Deleted/Error lists out', async () => {
    handler = () => ({
      Deleted: [{ Key: 'a' }, { Key: 'b', VersionId: 'v2', DeleteMarker: true }],
      Errors: [{ Key: 'c', Code: 'AccessDenied', Message: 'Access Denied' }],
    });
    const out = await client.send(new DeleteObjectsCommand({ Bucket: 'my-bucket', Delete: { Objects: [{ Key: 'a' }, { Key: 'b', VersionId: 'v2' }, { Key: 'c' }], Quiet: false } }));
    assert.equal(last().op, 'DeleteObjects');
    assert.deepEqual(last().input.Delete, { Objects: [{ Key: 'a' }, { Key: 'b', VersionId: 'v2' }, { Key: 'c' }], Quiet: false });
    assert.deepEqual(out.Deleted, [{ Key: 'a' }, { Key: 'b', VersionId: 'v2', DeleteMarker: true }]);
    assert.deepEqual(out.Errors, [{ Key: 'c', Code: 'AccessDenied', Message: 'Access Denied' }]);
  });

  test('PutBucketTagging and GetObjectAcl (attributes) round trip', async () => {
    handler = () => ({});
    await client.send(new PutBucketTaggingCommand({ Bucket: 'my-bucket', Tagging: { TagSet: [{ Key: 'k1', Value: 'v1' }, { Key: 'k2', Value: '' }] } }));
    assert.deepEqual(last().input.Tagging, { TagSet: [{ Key: 'k1', Value: 'v1' }, { Key: 'k2', Value: '' }] });
    handler = () => ({
      Owner: { ID: 'o1' },
      Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'o1' }, Permission: 'FULL_CONTROL' }, { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }],
    });
    const acl = await client.send(new GetObjectAclCommand({ Bucket: 'my-bucket', Key: 'k' }));
    assert.equal(acl.Owner?.ID, 'o1');
    assert.equal(acl.Grants?.length, 2);
    assert.equal(acl.Grants?.[0]?.Grantee?.Type, 'CanonicalUser');
    assert.equal(acl.Grants?.[1]?.Grantee?.URI, 'http://acs.amazonaws.com/groups/global/AllUsers');
    assert.equal(acl.Grants?.[1]?.Permission, 'READ');
  });

  test('errors: GetObject NoSuchKey, HeadObject 404 without body', async () => {
    handler = () => {
      throw new ServiceError('NoSuchKey', 'The specified key does not exist.', 404, { fields: { Key: 'missing' } });
    };
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: 'missing' })), (e: Error & { $metadata: { httpStatusCode: number; requestId?: string }; Key?: string }) => {
      assert.equal(e.name, 'NoSuchKey');
      assert.equal(e.message, 'The specified key does not exist.');
      assert.equal(e.$metadata.httpStatusCode, 404);
      assert.equal(e.$metadata.requestId, 'RID-1');
      return true;
    });
    await assert.rejects(client.send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: 'missing' })), (e: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(e.name, 'NotFound');
      assert.equal(e.$metadata.httpStatusCode, 404);
      return true;
    });
  });
});
