import { serveCodec } from './codec-harness.js';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { EC2Client, RunInstancesCommand, DescribeInstancesCommand, DescribeRegionsCommand, RebootInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { loadModel } from '../../src/model/load.js';
import type { Operation } from '../../src/model/types.js';
import { ServiceError, isServiceError } from '../../src/gateway/errors.js';
import type { WireRequest } from '../../src/protocols/types.js';
import { ec2Codec, ec2Namespace } from '../../src/protocols/ec2.js';
import { validateInput } from '../../src/protocols/validate.js';

const ec2 = loadModel('ec2');

function post(body: string): WireRequest {
  return { method: 'POST', path: '/', rawQuery: '', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.from(body) };
}

function parse(body: string): { op: Operation; input: Record<string, unknown> } {
  const req = post(body);
  const op = ec2Codec.resolveOperation(req, ec2);
  return { op, input: ec2Codec.parseInput(req, ec2, op) };
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

const V = 'Version=2016-11-15';

describe('ec2: parsing requests', () => {
  test('RunInstances: flattened lists, capitalised locationNames, nested structures, queryName', () => {
    const { op, input } = parse(
      `Action=RunInstances&${V}&ImageId=ami-12345678&InstanceType=t3.micro&MinCount=1&MaxCount=2&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2` +
        '&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web+1' +
        '&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda&BlockDeviceMapping.1.Ebs.VolumeSize=20&BlockDeviceMapping.1.Ebs.DeleteOnTermination=true' +
        '&NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SecurityGroupId.1=sg-9&NetworkInterface.1.PrivateIpAddresses.1.PrivateIpAddress=10.0.0.5' +
        '&NetworkInterface.1.PrivateIpAddresses.1.Primary=true&DryRun=false&ClientToken=tok&UserData=IyEvYmluL3No',
    );
    assert.equal(op.name, 'RunInstances');
    assert.deepEqual(input, {
      ImageId: 'ami-12345678',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 2,
      SecurityGroupIds: ['sg-1', 'sg-2'],
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web 1' }] }],
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, DeleteOnTermination: true } }],
      NetworkInterfaces: [{ DeviceIndex: 0, Groups: ['sg-9'], PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.5', Primary: true }] }],
      DryRun: false,
      ClientToken: 'tok',
      UserData: 'IyEvYmluL3No',
    });
  });

  test('DescribeInstances: Filter.1.Name, Filter.1.Value.N, InstanceId.N, MaxResults', () => {
    const { input } = parse(
      `Action=DescribeInstances&${V}&Filter.1.Name=instance-state-name&Filter.1.Value.1=running&Filter.1.Value.2=pending&Filter.2.Name=tag%3AName&Filter.2.Value.1=web&InstanceId.1=i-1&MaxResults=5&NextToken=abc`,
    );
    assert.deepEqual(input, {
      Filters: [
        { Name: 'instance-state-name', Values: ['running', 'pending'] },
        { Name: 'tag:Name', Values: ['web'] },
      ],
      InstanceIds: ['i-1'],
      MaxResults: 5,
      NextToken: 'abc',
    });
  });

  test('signature and control parameters are not operation input', () => {
    const { input } = parse(`Action=DescribeRegions&${V}&AWSAccessKeyId=AKID&SignatureVersion=2&SignatureMethod=HmacSHA256&Timestamp=2024-01-01T00%3A00%3A00Z&Signature=x&X-Amz-Date=1`);
    assert.deepEqual(input, {});
  });
});

describe('ec2: malformed requests', () => {
  test('unknown Action: InvalidAction with EC2 wording', () => {
    const e = errOf(() => ec2Codec.resolveOperation(post(`Action=DescribeUnicorns&${V}`), ec2));
    assert.equal(e.code, 'InvalidAction');
    assert.equal(e.message, 'The action DescribeUnicorns is not valid for this web service.');
    assert.equal(e.status, 400);
  });

  test('unknown parameters: UnknownParameter naming the unrecognised segment (case-sensitive)', () => {
    let e = errOf(() => parse(`Action=DescribeInstances&${V}&instanceId.1=i-1`));
    assert.equal(e.code, 'UnknownParameter');
    assert.equal(e.message, 'The parameter instanceId is not recognized');
    e = errOf(() => parse(`Action=RunInstances&${V}&MinCount=1&MaxCount=1&TagSpecification.1.Tag.Item.1.Key=a`));
    assert.equal(e.code, 'UnknownParameter');
    assert.equal(e.message, 'The parameter Item is not recognized');
    e = errOf(() => parse(`Action=RebootInstances&${V}&InstanceId.1=i-1&Bogus=1`));
    assert.equal(e.message, 'The parameter Bogus is not recognized');
  });

  test('bad values and indexes: InvalidParameterValue', () => {
    for (const kv of ['MaxResults=ten', 'DryRun=maybe', 'InstanceId.0=i-1', 'InstanceId.99999999=i-1', 'Filter.01.Name=x', 'MaxResults=1e2']) {
      const e = errOf(() => parse(`Action=DescribeInstances&${V}&${kv}`));
      assert.equal(e.code, 'InvalidParameterValue', kv);
    }
  });

  test('1000-level nesting is refused without a crash', () => {
    const e = errOf(() => parse(`Action=RunInstances&${V}&${'Placement.'.repeat(1000)}Tenancy=default`));
    assert.ok(['InvalidParameterValue', 'UnknownParameter'].includes(e.code), e.code);
  });
});

describe('ec2: responses', () => {
  const ctx = { requestId: '59dbff89-35bd-4eac-99ed-be587EXAMPLE' };

  test('namespace gains the trailing slash EC2 sends', () => {
    assert.equal(ec2.metadata.xmlNamespace, 'http://ec2.amazonaws.com/doc/2016-11-15');
    assert.equal(ec2Namespace(ec2), 'http://ec2.amazonaws.com/doc/2016-11-15/');
  });

  test('DescribeRegions: exact XML', () => {
    const res = ec2Codec.serializeOutput(ec2, ec2.operations.DescribeRegions!, { Regions: [{ RegionName: 'us-east-1', Endpoint: 'ec2.us-east-1.amazonaws.com', OptInStatus: 'opt-in-not-required' }] }, ctx);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/xml;charset=UTF-8');
    assert.equal(
      res.body,
      '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>' +
        '<regionInfo><item><optInStatus>opt-in-not-required</optInStatus><regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint></item></regionInfo></DescribeRegionsResponse>',
    );
  });

  test('DescribeInstances: reservationSet/item/instancesSet/item, millisecond timestamps, empty sets', () => {
    const res = ec2Codec.serializeOutput(
      ec2,
      ec2.operations.DescribeInstances!,
      {
        Reservations: [
          {
            ReservationId: 'r-1',
            OwnerId: '123456789012',
            Groups: [],
            Instances: [{ InstanceId: 'i-1', ImageId: 'ami-1', State: { Code: 16, Name: 'running' }, LaunchTime: new Date('2024-01-02T03:04:05Z'), Tags: [{ Key: 'Name', Value: 'web' }] }],
          },
        ],
      },
      ctx,
    );
    assert.equal(
      res.body,
      `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${ctx.requestId}</requestId>` +
        '<reservationSet><item><reservationId>r-1</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet><item>' +
        // model member order: Instance lists Tags before InstanceId
        '<tagSet><item><key>Name</key><value>web</value></item></tagSet>' +
        '<instanceId>i-1</instanceId><imageId>ami-1</imageId><instanceState><code>16</code><name>running</name></instanceState>' +
        '<launchTime>2024-01-02T03:04:05.000Z</launchTime>' +
        '</item></instancesSet></item></reservationSet></DescribeInstancesResponse>',
    );
  });

  test('operations modelled without output answer <return>true</return>', () => {
    assert.equal(ec2.operations.RebootInstances!.output, undefined);
    const res = ec2Codec.serializeOutput(ec2, ec2.operations.RebootInstances!, undefined, ctx);
    assert.match(String(res.body), /<RebootInstancesResponse xmlns="http:\/\/ec2\.amazonaws\.com\/doc\/2016-11-15\/"><requestId>[^<]+<\/requestId><return>true<\/return><\/RebootInstancesResponse>$/);
  });

  test('error envelope: Response/Errors/Error, RequestID', () => {
    const res = ec2Codec.serializeError(ec2, undefined, new ServiceError('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist", 400), ctx);
    assert.equal(res.status, 400);
    assert.equal(
      res.body,
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID &apos;i-1&apos; does not exist</Message></Error></Errors><RequestID>${ctx.requestId}</RequestID></Response>`,
    );
  });
});

describe('ec2: round trip with @aws-sdk/client-ec2', () => {
  const seen: Array<{ op: string; input: Record<string, unknown> }> = [];
  let server: Server;
  let client: EC2Client;
  const launch = new Date('2024-03-04T05:06:07.089Z');

  before(async () => {
    let url: string;
    ({ server, url } = await serveCodec(
      ec2,
      ec2Codec,
      (op, input) => {
        let output: Record<string, unknown> | undefined;
        if (op.name === 'RunInstances') {
          output = { ReservationId: 'r-1', OwnerId: '123456789012', Instances: [{ InstanceId: 'i-abc', ImageId: input.ImageId, LaunchTime: launch, State: { Code: 0, Name: 'pending' } }] };
        } else if (op.name === 'DescribeInstances') {
          if ((input.InstanceIds as string[] | undefined)?.includes('i-missing')) throw new ServiceError('InvalidInstanceID.NotFound', "The instance ID 'i-missing' does not exist", 400);
          output = {
            Reservations: [
              { ReservationId: 'r-1', OwnerId: '123456789012', Instances: [{ InstanceId: 'i-abc', LaunchTime: launch, Tags: [{ Key: 'Name', Value: 'web' }], State: { Code: 16, Name: 'running' } }] },
              { ReservationId: 'r-2', OwnerId: '123456789012', Instances: [] },
            ],
          };
        } else if (op.name === 'DescribeRegions') {
          output = { Regions: [{ RegionName: 'us-east-1', Endpoint: 'ec2.us-east-1.amazonaws.com' }, { RegionName: 'eu-west-1', Endpoint: 'ec2.eu-west-1.amazonaws.com' }] };
        }
        return output;
      },
      { seen, check: (op, input) => validateInput(ec2, op, input, 'ec2'), requestIdPrefix: 'ec2-req-' },
    ));
    client = new EC2Client({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 's' }, maxAttempts: 1 });
  });

  after(() => server.close());

  test('RunInstances: the SDK request parses to typed input; the response parses', async () => {
    const out = await client.send(
      new RunInstancesCommand({
        ImageId: 'ami-1',
        MinCount: 1,
        MaxCount: 1,
        SecurityGroupIds: ['sg-1'],
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }] }],
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, Encrypted: true } }],
      }),
    );
    const input = seen.at(-1)!.input;
    assert.equal(seen.at(-1)!.op, 'RunInstances');
    assert.equal(typeof input.ClientToken, 'string'); // the SDK fills the idempotency token
    delete input.ClientToken;
    assert.deepEqual(input, {
      ImageId: 'ami-1',
      MinCount: 1,
      MaxCount: 1,
      SecurityGroupIds: ['sg-1'],
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }] }],
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, Encrypted: true } }],
    });
    assert.equal(out.ReservationId, 'r-1');
    assert.equal(out.Instances?.[0]?.InstanceId, 'i-abc');
    assert.equal(out.Instances?.[0]?.LaunchTime?.getTime(), launch.getTime());
    assert.equal(out.$metadata.requestId, 'ec2-req-' + (seen.length - 1));
  });

  test('DescribeInstances: filters reach the parser; nested sets parse', async () => {
    const out = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'stopped'] }], MaxResults: 10 }));
    assert.deepEqual(seen.at(-1)!.input, { Filters: [{ Name: 'instance-state-name', Values: ['running', 'stopped'] }], MaxResults: 10 });
    assert.equal(out.Reservations?.length, 2);
    assert.equal(out.Reservations?.[0]?.Instances?.[0]?.State?.Name, 'running');
    assert.deepEqual(out.Reservations?.[0]?.Instances?.[0]?.Tags, [{ Key: 'Name', Value: 'web' }]);
    assert.deepEqual(out.Reservations?.[1]?.Instances ?? [], []);
  });

  test('DescribeRegions and RebootInstances (no output)', async () => {
    const regions = await client.send(new DescribeRegionsCommand({}));
    assert.deepEqual(regions.Regions?.map((r) => r.RegionName), ['us-east-1', 'eu-west-1']);
    const reboot = await client.send(new RebootInstancesCommand({ InstanceIds: ['i-abc'] }));
    assert.equal(reboot.$metadata.httpStatusCode, 200);
    assert.deepEqual(seen.at(-1)!.input, { InstanceIds: ['i-abc'] });
  });

  test('errors surface with EC2 codes, messages and status', async () => {
    await assert.rejects(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-missing'] })), (e: Error & { $metadata: { httpStatusCode: number; requestId?: string } }) => {
      assert.equal(e.name, 'InvalidInstanceID.NotFound');
      assert.equal(e.message, "The instance ID 'i-missing' does not exist");
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.match(e.$metadata.requestId ?? '', /^ec2-req-/);
      return true;
    });
    await assert.rejects(client.send(new TerminateInstancesCommand({ InstanceIds: undefined as unknown as string[] })), (e: Error) => {
      assert.equal(e.name, 'MissingParameter');
      assert.equal(e.message, 'The request must contain the parameter InstanceId');
      return true;
    });
  });
});
