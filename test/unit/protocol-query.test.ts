import { serveCodec } from './codec-harness.js';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { IAMClient, CreateUserCommand, ListUsersCommand, GetUserCommand, DeleteUserCommand } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { loadModel } from '../../src/model/load.js';
import type { ServiceModel, Operation } from '../../src/model/types.js';
import { ServiceError, isServiceError } from '../../src/gateway/errors.js';
import type { WireRequest, ProtocolCodec } from '../../src/protocols/types.js';
import { queryCodec, readQueryParams } from '../../src/protocols/query.js';
import { validateInput } from '../../src/protocols/validate.js';
import { parseTimestamp, formatTimestamp, formatIsoSeconds, parseIntegerStrict, parseFloatStrict, decodeBase64Strict, formatEpochSeconds } from '../../src/protocols/wire-values.js';

const iam = loadModel('iam');
const sts = loadModel('sts');

function post(body: string, rawQuery = '', contentType = 'application/x-www-form-urlencoded; charset=utf-8'): WireRequest {
  return { method: 'POST', path: '/', rawQuery, headers: { 'content-type': contentType }, body: Buffer.from(body) };
}

function parse(model: ServiceModel, req: WireRequest): { op: Operation; input: Record<string, unknown> } {
  const op = queryCodec.resolveOperation(req, model);
  return { op, input: queryCodec.parseInput(req, model, op) };
}

function errOf(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (e) {
    if (isServiceError(e)) return e;
    throw new Error(`expected a ServiceError, got ${String(e)}`);
  }
  throw new Error('expected a ServiceError, nothing was thrown');
}

/** A tiny model exercising every scalar type, maps and flattened lists. */
const synthetic: ServiceModel = {
  metadata: { apiVersion: '2020-01-01', endpointPrefix: 'syn', protocol: 'query', serviceId: 'Syn', serviceFullName: 'Synthetic', xmlNamespace: 'https://syn.example/doc/2020-01-01/' },
  operations: {
    Everything: { name: 'Everything', http: { method: 'POST', requestUri: '/' }, input: { shape: 'EverythingInput' }, output: { shape: 'EverythingOutput', resultWrapper: 'EverythingResult' } },
  },
  shapes: {
    EverythingInput: {
      type: 'structure',
      members: {
        When: { shape: 'Ts' },
        Data: { shape: 'Bin' },
        Ratio: { shape: 'Dbl' },
        Big: { shape: 'Lng' },
        Flag: { shape: 'Bool' },
        Attrs: { shape: 'AttrMap' },
        Names: { shape: 'FlatList' },
        Renamed: { shape: 'Str', locationName: 'OtherName' },
        Items: { shape: 'NamedList' },
        Nested: { shape: 'EverythingInput' },
      },
    },
    EverythingOutput: {
      type: 'structure',
      members: {
        When: { shape: 'Ts' },
        Data: { shape: 'Bin' },
        Ratio: { shape: 'Dbl' },
        Flag: { shape: 'Bool' },
        Attrs: { shape: 'AttrMap' },
        Names: { shape: 'FlatList' },
        Items: { shape: 'NamedList' },
        Text: { shape: 'Str' },
      },
    },
    Ts: { type: 'timestamp' },
    Bin: { type: 'blob' },
    Dbl: { type: 'double' },
    Lng: { type: 'long' },
    Bool: { type: 'boolean' },
    Str: { type: 'string' },
    AttrMap: { type: 'map', key: { shape: 'Str', locationName: 'Name' }, value: { shape: 'Str', locationName: 'Value' } },
    FlatList: { type: 'list', member: { shape: 'Str' }, flattened: true },
    NamedList: { type: 'list', member: { shape: 'Str', locationName: 'Item' } },
  },
};

describe('query: parsing requests as AWS SDKs and the CLI send them', () => {
  test('IAM CreateUser with tags (CLI form encoding, + for spaces)', () => {
    const { op, input } = parse(
      iam,
      post('Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fdivision%2F&Tags.member.1.Key=team&Tags.member.1.Value=blue+green&Tags.member.2.Key=cost%20center&Tags.member.2.Value=42'),
    );
    assert.equal(op.name, 'CreateUser');
    assert.deepEqual(input, {
      UserName: 'alice',
      Path: '/division/',
      Tags: [
        { Key: 'team', Value: 'blue green' },
        { Key: 'cost center', Value: '42' },
      ],
    });
  });

  test('list items are ordered by index, not by arrival', () => {
    const { input } = parse(iam, post('Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.10.Key=c&Tags.member.10.Value=10&Tags.member.1.Key=a&Tags.member.1.Value=1'));
    assert.deepEqual((input.Tags as Array<{ Key: string }>).map((t) => t.Key), ['a', 'b', 'c']);
  });

  test('IAM ListUsers: MaxItems is an integer, Marker a string', () => {
    const { input } = parse(iam, post('Action=ListUsers&Version=2010-05-08&MaxItems=100&Marker=abc%2Fdef%3D&PathPrefix=%2F'));
    assert.deepEqual(input, { MaxItems: 100, Marker: 'abc/def=', PathPrefix: '/' });
  });

  test('STS GetCallerIdentity has no input', () => {
    const { op, input } = parse(sts, post('Action=GetCallerIdentity&Version=2011-06-15'));
    assert.equal(op.name, 'GetCallerIdentity');
    assert.deepEqual(input, {});
  });

  test('STS AssumeRole with PolicyArns.member.1.arn, tags and an integer duration', () => {
    const { input } = parse(
      sts,
      post(
        'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=s1&DurationSeconds=900' +
          '&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess&Tags.member.1.Key=k&Tags.member.1.Value=v&TransitiveTagKeys.member.1=k',
      ),
    );
    assert.deepEqual(input, {
      RoleArn: 'arn:aws:iam::123456789012:role/demo',
      RoleSessionName: 's1',
      DurationSeconds: 900,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [{ Key: 'k', Value: 'v' }],
      TransitiveTagKeys: ['k'],
    });
  });

  test('GET query string works, and a body parameter wins over the query string', () => {
    const get: WireRequest = { method: 'GET', path: '/', rawQuery: 'Action=ListUsers&Version=2010-05-08&MaxItems=5', headers: {}, body: Buffer.alloc(0) };
    assert.deepEqual(parse(iam, get).input, { MaxItems: 5 });
    const both = post('MaxItems=7&Marker=m', 'Action=ListUsers&Version=2010-05-08&MaxItems=5');
    assert.deepEqual(parse(iam, both).input, { MaxItems: 7, Marker: 'm' });
  });

  test('an empty list is sent as `Name=`', () => {
    const { input } = parse(iam, post('Action=CreateUser&Version=2010-05-08&UserName=a&Tags='));
    assert.deepEqual(input, { UserName: 'a', Tags: [] });
  });

  test('unknown parameters are ignored by query services', () => {
    const { input } = parse(iam, post('Action=ListUsers&Version=2010-05-08&Bogus=1&X-Amz-Date=20240101T000000Z'));
    assert.deepEqual(input, {});
  });

  test('every scalar type, maps, flattened and renamed lists, nesting (synthetic model)', () => {
    const { input } = parse(
      synthetic,
      post(
        'Action=Everything&Version=2020-01-01&When=2024-01-02T03:04:05.678Z&Data=aGVsbG8%3D&Ratio=1.5e2&Big=9007199254740991&Flag=TRUE' +
          '&Attrs.entry.1.Name=a&Attrs.entry.1.Value=1&Attrs.entry.2.Name=b&Attrs.entry.2.Value=2&Names.1=x&Names.2=y&OtherName=r' +
          '&Items.Item.1=i1&Nested.When=1704164645&Nested.Nested.Flag=false',
      ),
    );
    assert.deepEqual(input, {
      When: new Date('2024-01-02T03:04:05.678Z'),
      Data: Buffer.from('hello'),
      Ratio: 150,
      Big: 9007199254740991,
      Flag: true,
      Attrs: { a: '1', b: '2' },
      Names: ['x', 'y'],
      Renamed: 'r',
      Items: ['i1'],
      Nested: { When: new Date(1704164645000), Nested: { Flag: false } },
    });
  });

  test('a map key named __proto__ is kept as data, not as a prototype', () => {
    const { input } = parse(synthetic, post('Action=Everything&Version=2020-01-01&Attrs.entry.1.Name=__proto__&Attrs.entry.1.Value=x'));
    const attrs = input.Attrs as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
    assert.deepEqual(Object.keys(attrs), ['__proto__']);
  });

  test('params are parsed once per request and cached', () => {
    const r = post('Action=ListUsers&Version=2010-05-08');
    assert.equal(readQueryParams(r), readQueryParams(r));
  });
});

describe('query: malformed requests are ServiceErrors, never crashes', () => {
  test('unknown Action: InvalidAction with AWS wording', () => {
    const e = errOf(() => queryCodec.resolveOperation(post('Action=DescribeNothing&Version=2010-05-08'), iam));
    assert.equal(e.code, 'InvalidAction');
    assert.equal(e.status, 400);
    assert.equal(e.message, 'Could not find operation DescribeNothing for version 2010-05-08');
  });

  test('prototype names are not operations', () => {
    for (const a of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal(errOf(() => queryCodec.resolveOperation(post(`Action=${a}&Version=2010-05-08`), iam)).code, 'InvalidAction');
    }
  });

  test('missing Action: MissingAction', () => {
    const e = errOf(() => queryCodec.resolveOperation(post('Version=2010-05-08'), iam));
    assert.equal(e.code, 'MissingAction');
    assert.equal(e.status, 400);
  });

  test('malformed percent-encoding: MalformedQueryString', () => {
    for (const body of ['Action=ListUsers&Marker=%E0%A4%A', 'Action=ListUsers&Marker=%zz', 'Action%=ListUsers', 'Action=ListUsers&Marker=%C3%28']) {
      const e = errOf(() => queryCodec.resolveOperation(post(body), iam));
      assert.equal(e.code, 'MalformedQueryString', body);
    }
  });

  test('non-numeric, fractional and out-of-range integers', () => {
    for (const v of ['abc', '1.5', '', '99999999999999999999', '2147483648', '0x10', '1e3']) {
      const e = errOf(() => parse(iam, post(`Action=ListUsers&Version=2010-05-08&MaxItems=${encodeURIComponent(v)}`)));
      assert.equal(e.code, 'InvalidParameterValue', v);
      assert.equal(e.status, 400);
    }
  });

  test('bad booleans, timestamps, doubles and base64', () => {
    for (const kv of ['Flag=yes', 'When=yesterday', 'When=2024-13-01T00:00:00Z', 'Ratio=one', 'Data=%25%25%25', 'Data=abcde', 'Big=1.0']) {
      const e = errOf(() => parse(synthetic, post(`Action=Everything&Version=2020-01-01&${kv}`)));
      assert.equal(e.code, 'InvalidParameterValue', kv);
    }
  });

  test('bad list indexes: member.0, leading zeros, huge, non-numeric', () => {
    for (const idx of ['0', '01', '99999999', '1001', 'x', '-1', '']) {
      const e = errOf(() => parse(iam, post(`Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.${idx}.Key=k`)));
      assert.equal(e.code, 'InvalidParameterValue', idx);
    }
    const e = errOf(() => parse(iam, post('Action=CreateUser&Version=2010-05-08&UserName=a&Tags.notmember.1.Key=k')));
    assert.equal(e.code, 'InvalidParameterValue');
  });

  test('1000-level deep keys are refused', () => {
    const deep = 'Nested.'.repeat(1000) + 'Flag=true';
    const e = errOf(() => parse(synthetic, post(`Action=Everything&Version=2020-01-01&${deep}`)));
    assert.equal(e.code, 'InvalidQueryParameter');
  });

  test('deep but allowed recursion parses', () => {
    const key = 'Nested.'.repeat(40) + 'Flag';
    const { input } = parse(synthetic, post(`Action=Everything&Version=2020-01-01&${key}=true`));
    let cur = input as Record<string, unknown>;
    for (let i = 0; i < 40; i++) cur = cur.Nested as Record<string, unknown>;
    assert.equal(cur.Flag, true);
  });

  test('duplicate keys: the last one wins', () => {
    const { input } = parse(iam, post('Action=ListUsers&Version=2010-05-08&MaxItems=1&MaxItems=2'));
    assert.deepEqual(input, { MaxItems: 2 });
  });

  test('1000 list items parse in order', () => {
    let body = 'Action=CreateUser&Version=2010-05-08&UserName=a';
    for (let i = 1; i <= 1000; i++) body += `&Tags.member.${i}.Key=k${i}&Tags.member.${i}.Value=v`;
    const { input } = parse(iam, post(body));
    assert.equal((input.Tags as unknown[]).length, 1000);
    assert.equal((input.Tags as Array<{ Key: string }>)[999]!.Key, 'k1000');
  });
});

describe('query: responses', () => {
  const ctx = { requestId: '7a62c49f-347e-4fc4-9331-6e8eEXAMPLE' };

  test('IAM GetUser: exact XML, seconds-precision timestamps, headers', () => {
    const res = queryCodec.serializeOutput(
      iam,
      iam.operations.GetUser!,
      {
        User: {
          UserId: 'AIDAEXAMPLE',
          Path: '/division_abc/',
          UserName: 'Bob',
          Arn: 'arn:aws:iam::123456789012:user/division_abc/Bob',
          CreateDate: new Date('2013-01-08T22:11:08.123Z'),
          Tags: [{ Key: 'a&b', Value: '<v>' }],
        },
      },
      ctx,
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/xml');
    assert.equal(res.headers['x-amzn-RequestId'], ctx.requestId);
    assert.equal(
      res.body,
      '<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User>' +
        '<Path>/division_abc/</Path><UserName>Bob</UserName><UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::123456789012:user/division_abc/Bob</Arn>' +
        '<CreateDate>2013-01-08T22:11:08Z</CreateDate><Tags><member><Key>a&amp;b</Key><Value>&lt;v&gt;</Value></member></Tags>' +
        '</User></GetUserResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></GetUserResponse>',
    );
  });

  test('IAM ListUsers: member list, IsTruncated, Marker; empty list; omitted nulls', () => {
    const res = queryCodec.serializeOutput(
      iam,
      iam.operations.ListUsers!,
      {
        Users: [
          { Path: '/', UserName: 'a', UserId: 'A1', Arn: 'arn:a', CreateDate: new Date('2024-01-02T03:04:05Z'), PasswordLastUsed: null },
          { Path: '/', UserName: 'b', UserId: 'B1', Arn: 'arn:b', CreateDate: new Date('2024-01-02T03:04:06Z') },
        ],
        IsTruncated: true,
        Marker: 'next',
      },
      ctx,
    );
    assert.match(
      String(res.body),
      /<ListUsersResult><Users><member><Path>\/<\/Path><UserName>a<\/UserName><UserId>A1<\/UserId><Arn>arn:a<\/Arn><CreateDate>2024-01-02T03:04:05Z<\/CreateDate><\/member><member>.*<\/member><\/Users><IsTruncated>true<\/IsTruncated><Marker>next<\/Marker><\/ListUsersResult>/,
    );
    const empty = queryCodec.serializeOutput(iam, iam.operations.ListUsers!, { Users: [], IsTruncated: false }, ctx);
    assert.match(String(empty.body), /<ListUsersResult><Users\/><IsTruncated>false<\/IsTruncated><\/ListUsersResult>/);
  });

  test('an operation without output has only ResponseMetadata', () => {
    const res = queryCodec.serializeOutput(iam, iam.operations.DeleteUser!, undefined, ctx);
    assert.equal(res.body, `<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>${ctx.requestId}</RequestId></ResponseMetadata></DeleteUserResponse>`);
  });

  test('STS GetCallerIdentity', () => {
    const res = queryCodec.serializeOutput(sts, sts.operations.GetCallerIdentity!, { UserId: 'AIDA', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/x' }, ctx);
    assert.equal(
      res.body,
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>AIDA</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/x</Arn></GetCallerIdentityResult>' +
        `<ResponseMetadata><RequestId>${ctx.requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  });

  test('maps as entry/key/value (IAM GetAccountSummary), blobs base64, doubles, flattened lists', () => {
    const res = queryCodec.serializeOutput(iam, iam.operations.GetAccountSummary!, { SummaryMap: { Users: 3, Groups: 0 } }, ctx);
    assert.match(String(res.body), /<SummaryMap><entry><key>Users<\/key><value>3<\/value><\/entry><entry><key>Groups<\/key><value>0<\/value><\/entry><\/SummaryMap>/);
    const syn = queryCodec.serializeOutput(
      synthetic,
      synthetic.operations.Everything!,
      { Data: Buffer.from('hi'), Ratio: NaN, Flag: false, Names: ['a', 'b'], Items: ['x'], Attrs: { k: 'v' }, Text: 'line\r\nnext' },
      ctx,
    );
    assert.match(
      String(syn.body),
      /<EverythingResult><Data>aGk=<\/Data><Ratio>NaN<\/Ratio><Flag>false<\/Flag><Attrs><entry><Name>k<\/Name><Value>v<\/Value><\/entry><\/Attrs><Names>a<\/Names><Names>b<\/Names><Items><Item>x<\/Item><\/Items><Text>line&#xD;\nnext<\/Text><\/EverythingResult>/,
    );
  });

  test('error envelope', () => {
    const err = new ServiceError('NoSuchEntity', 'The user with name x cannot be found.', 404);
    const res = queryCodec.serializeError(iam, iam.operations.GetUser!, err, ctx);
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-type'], 'text/xml');
    assert.equal(res.headers['x-amzn-RequestId'], ctx.requestId);
    assert.equal(
      res.body,
      '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name x cannot be found.</Message></Error>' +
        `<RequestId>${ctx.requestId}</RequestId></ErrorResponse>`,
    );
    const server = new ServiceError('ServiceFailure', 'boom <&>', 500, { fields: { PackedPolicySize: 12 }, headers: { 'retry-after': '1' } });
    const r2 = queryCodec.serializeError(sts, undefined, server, ctx);
    assert.equal(r2.status, 500);
    assert.equal(r2.headers['retry-after'], '1');
    assert.match(String(r2.body), /<Type>Receiver<\/Type><Code>ServiceFailure<\/Code><Message>boom &lt;&amp;&gt;<\/Message><PackedPolicySize>12<\/PackedPolicySize><\/Error>/);
  });
});

describe('wire values', () => {
  test('timestamps: ISO 8601 variants, epoch seconds, HTTP dates; invalid ones rejected', () => {
    const t = Date.UTC(2024, 0, 2, 3, 4, 5);
    for (const s of ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.000Z', '2024-01-02T03:04:05.000000Z', '2024-01-02T05:04:05+02:00', '2024-01-02T00:04:05-0300', '1704164645', 'Tue, 02 Jan 2024 03:04:05 GMT']) {
      assert.equal(parseTimestamp(s)?.getTime(), t, s);
    }
    assert.equal(parseTimestamp('1704164645.5')?.getTime(), t + 500);
    for (const s of ['', 'now', '2024-02-30T00:00:00Z', '2024-01-02T24:00:00Z', '2024-01-02T03:04:05+25:00', '1'.repeat(30), '2024-01-02T03:04:05Zjunk']) {
      assert.equal(parseTimestamp(s), undefined, s);
    }
    const d = new Date('2024-01-02T03:04:05.120Z');
    assert.equal(formatIsoSeconds(d), '2024-01-02T03:04:05Z');
    assert.equal(formatTimestamp(d, 'iso8601', true), '2024-01-02T03:04:05.120Z');
    assert.equal(formatTimestamp(d, 'rfc822', false), 'Tue, 02 Jan 2024 03:04:05 GMT');
    assert.equal(formatEpochSeconds(d), '1704164645.12');
    assert.equal(formatEpochSeconds(new Date(t)), '1704164645');
  });

  test('numbers and base64 are parsed strictly', () => {
    assert.equal(parseIntegerStrict('-2147483648'), -2147483648);
    assert.equal(parseIntegerStrict('2147483648'), undefined);
    assert.equal(parseIntegerStrict('2147483648', 'long'), 2147483648);
    assert.equal(parseIntegerStrict('99999999999999999', 'long'), undefined);
    assert.equal(parseIntegerStrict(' 1'), undefined);
    assert.equal(parseFloatStrict('-1.5e3'), -1500);
    assert.equal(parseFloatStrict('Infinity'), Infinity);
    assert.ok(Number.isNaN(parseFloatStrict('NaN')));
    assert.equal(parseFloatStrict('1,5'), undefined);
    assert.deepEqual(decodeBase64Strict('aGVsbG8='), Buffer.from('hello'));
    assert.deepEqual(decodeBase64Strict('aGVsbG8'), Buffer.from('hello'));
    assert.equal(decodeBase64Strict('a'), undefined);
    assert.equal(decodeBase64Strict('aGV$bG8='), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Round trip through the real AWS SDK v3 clients.
// ---------------------------------------------------------------------------------------------

type Handler = (op: string, input: Record<string, unknown>) => Record<string, unknown> | undefined;

function startServer(model: ServiceModel, codec: ProtocolCodec, handler: Handler, seen: Array<{ op: string; input: Record<string, unknown> }>) {
  return serveCodec(model, codec, (op, input) => handler(op.name, input), {
    seen,
    check: (op, input) => validateInput(model, op, input, codec.name === 'ec2' ? 'ec2' : 'query'),
  });
}

describe('query: round trip with @aws-sdk/client-iam and client-sts', () => {
  const seen: Array<{ op: string; input: Record<string, unknown> }> = [];
  let iamServer: { server: Server; url: string };
  let stsServer: { server: Server; url: string };
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
  const created = new Date('2024-05-06T07:08:09Z');

  before(async () => {
    iamServer = await startServer(iam, queryCodec, (op, input) => {
      const user = (name: unknown, path: unknown = '/') => ({ Path: path, UserName: name, UserId: 'AIDA' + String(name).toUpperCase(), Arn: `arn:aws:iam::123456789012:user/${String(name)}`, CreateDate: created });
      if (op === 'CreateUser') return { User: { ...user(input.UserName, input.Path), Tags: input.Tags } };
      if (op === 'ListUsers') return { Users: [user('a'), user('b')], IsTruncated: true, Marker: 'page2' };
      if (op === 'GetUser') throw new ServiceError('NoSuchEntity', `The user with name ${String(input.UserName)} cannot be found.`, 404);
      if (op === 'DeleteUser') return undefined;
      throw new ServiceError('InternalFailure', 'unexpected', 500);
    }, seen);
    stsServer = await startServer(sts, queryCodec, (op, input) => {
      if (op === 'GetCallerIdentity') return { UserId: 'AIDAX', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/x' };
      if (op === 'AssumeRole')
        return {
          Credentials: { AccessKeyId: 'ASIAX', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2030-01-01T00:00:00Z') },
          AssumedRoleUser: { AssumedRoleId: 'AROAX:' + String(input.RoleSessionName), Arn: 'arn:aws:sts::123456789012:assumed-role/demo/' + String(input.RoleSessionName) },
          PackedPolicySize: 6,
        };
      throw new ServiceError('InternalFailure', 'unexpected', 500);
    }, seen);
  });

  after(() => {
    iamServer.server.close();
    stsServer.server.close();
  });

  test('CreateUser: the SDK request reaches the parser with typed input, and the SDK parses the response', async () => {
    const client = new IAMClient({ endpoint: iamServer.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const out = await client.send(new CreateUserCommand({ UserName: 'alice', Path: '/a&b=c+d/', Tags: [{ Key: 'team', Value: 'a b=c+d' }] }));
    assert.deepEqual(seen.at(-1), { op: 'CreateUser', input: { UserName: 'alice', Path: '/a&b=c+d/', Tags: [{ Key: 'team', Value: 'a b=c+d' }] } });
    assert.equal(out.User?.UserName, 'alice');
    assert.equal(out.User?.Path, '/a&b=c+d/');
    assert.equal(out.User?.CreateDate?.getTime(), created.getTime());
    assert.deepEqual(out.User?.Tags, [{ Key: 'team', Value: 'a b=c+d' }]);
    assert.equal(out.$metadata.requestId, 'req-' + (seen.length - 1));
  });

  test('ListUsers: integers sent, lists and booleans parsed', async () => {
    const client = new IAMClient({ endpoint: iamServer.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const out = await client.send(new ListUsersCommand({ MaxItems: 2, Marker: 'm/1' }));
    assert.deepEqual(seen.at(-1)?.input, { MaxItems: 2, Marker: 'm/1' });
    assert.deepEqual(out.Users?.map((u) => u.UserName), ['a', 'b']);
    assert.equal(out.IsTruncated, true);
    assert.equal(out.Marker, 'page2');
  });

  test('DeleteUser (no output) succeeds', async () => {
    const client = new IAMClient({ endpoint: iamServer.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const out = await client.send(new DeleteUserCommand({ UserName: 'alice' }));
    assert.equal(out.$metadata.httpStatusCode, 200);
  });

  test('errors: the SDK surfaces code, message and status', async () => {
    const client = new IAMClient({ endpoint: iamServer.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    await assert.rejects(client.send(new GetUserCommand({ UserName: 'ghost' })), (e: Error & { $metadata: { httpStatusCode: number }; Code?: string }) => {
      assert.equal(e.name, 'NoSuchEntityException');
      assert.equal(e.message, 'The user with name ghost cannot be found.');
      assert.equal(e.$metadata.httpStatusCode, 404);
      return true;
    });
    await assert.rejects(client.send(new CreateUserCommand({ UserName: 'x'.repeat(65) })), (e: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(e.name, 'ValidationError');
      assert.equal(e.message, `1 validation error detected: Value '${'x'.repeat(65)}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`);
      assert.equal(e.$metadata.httpStatusCode, 400);
      return true;
    });
  });

  test('STS GetCallerIdentity and AssumeRole', async () => {
    const client = new STSClient({ endpoint: stsServer.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const id = await client.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, '123456789012');
    assert.equal(id.Arn, 'arn:aws:iam::123456789012:user/x');
    const role = await client.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/demo', RoleSessionName: 's1', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], DurationSeconds: 900 }),
    );
    assert.deepEqual(seen.at(-1)?.input, { RoleArn: 'arn:aws:iam::123456789012:role/demo', RoleSessionName: 's1', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], DurationSeconds: 900 });
    assert.equal(role.Credentials?.AccessKeyId, 'ASIAX');
    assert.equal(role.Credentials?.Expiration?.toISOString(), '2030-01-01T00:00:00.000Z');
    assert.equal(role.PackedPolicySize, 6);
    assert.equal(role.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/demo/s1');
  });
});
