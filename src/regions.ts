/**
 * The AWS commercial partition (`aws`): its Regions and their Availability Zones.
 *
 * Used by EC2 `DescribeRegions` / `DescribeAvailabilityZones`, by anything that validates a
 * Region or a zone (the gateway, subnets, volumes, instances), and to name endpoints.
 *
 * Sources of facts (facts only; no code carried over):
 *   - Regions and descriptions: botocore `data/endpoints.json`, partition `aws` (34 Regions).
 *   - AZ IDs per Region: AWS "AWS Availability Zones" and "AZ IDs" pages of the Regions and
 *     Availability Zones guide; zone names per Region: moto's EC2 instance-type offerings
 *     (`moto/ec2/resources/instance_type_offerings/availability-zone{,-id}/`), which are
 *     captures of real `DescribeInstanceTypeOfferings` answers, and published
 *     `describe-availability-zones` outputs of real accounts.
 *
 * AWS behaviour worth knowing (matched here):
 *   - Opt-in: the 17 Regions launched before 20 March 2019 are enabled in every account
 *     (`opt-in-not-required`); every later Region (af-south-1, ap-east-1, me-south-1, ...) is
 *     `not-opted-in` in a new account until the account enables it.
 *   - Zone name -> AZ ID mapping: only the oldest Regions (us-east-1, us-west-1, us-west-2,
 *     ap-northeast-1, ap-southeast-1, ap-southeast-2, eu-west-1, sa-east-1) map zone names to AZ IDs
 *     independently for each account; every Region introduced after November 2012 uses one
 *     uniform mapping, which is not always alphabetical (e.g. eu-central-1a is euc1-az2 in every
 *     account). `zonesForAccount` shuffles only the independently mapped Regions.
 *   - Zone names are not always a, b, c: ap-northeast-1 has a, c, d (apne1-az3 is constrained and
 *     hidden from new accounts), ca-central-1 has a, b, d (cac1-az3 does not exist), us-west-1 has
 *     two usable zones, b and c in most accounts (usw1-az2 is constrained).
 *
 * By design:
 *   - The zone *names* an account sees are the same for every account (AWS varies them for a few
 *     old accounts, e.g. us-west-1a/us-west-1c); only the name -> ID mapping varies.
 *   - AWS gives accounts created from November 2025 a uniform mapping in every Region; Nimbus
 *     keeps the per-account shuffle for the old Regions, which is what most existing accounts see
 *     and what exercises code that wrongly assumes names are portable between accounts.
 *
 * Gaps: Local Zones and Wavelength Zones are not listed; constrained zones that AWS documents
 * but hides from new accounts (usw1-az2, apne1-az3, euw2-az4) are left out.
 */
import { createHash } from 'node:crypto';

export interface ZoneInfo {
  /** e.g. `us-east-1a`: the account's name for the zone. */
  zoneName: string;
  /** e.g. `use1-az6`: the physical zone, the same in every account. */
  zoneId: string;
  zoneType: 'availability-zone';
  state: 'available';
}

export interface RegionInfo {
  /** Region code, e.g. `us-east-1`. */
  name: string;
  /** Human name, as in botocore's endpoints data, e.g. `US East (N. Virginia)`. */
  description: string;
  /** As `DescribeRegions` reports it for a new account. */
  optInStatus: 'opt-in-not-required' | 'opted-in' | 'not-opted-in';
  /** Availability Zones in the default mapping, sorted by zone name. */
  zones: ZoneInfo[];
  /**
   * The public host name of a service's endpoint in this Region, as `DescribeRegions` reports
   * it in `Endpoint` (e.g. `ec2.us-east-1.amazonaws.com`). Global services (IAM, Route 53,
   * CloudFront, Organizations) answer their single global host.
   */
  endpoint(service: string): string;
}

export const PARTITION = 'aws';
export const DNS_SUFFIX = 'amazonaws.com';
export const DEFAULT_REGION = 'us-east-1';

/**
 * Per Region: description, whether it is enabled by default, whether its zone names are mapped
 * independently per account, and its zones in the default mapping as `<letter><az number>`.
 *
 * The default mapping of the independently mapped Regions is the one moto and AWS's examples
 * show for example accounts (us-east-1a = use1-az6, us-west-2a = usw2-az2, eu-west-1a = euw1-az3,
 * ap-northeast-1a = apne1-az4, ...); each real account (and each Nimbus account, through
 * `zonesForAccount`) sees its own permutation of it. For every other Region this is the one
 * mapping all accounts share.
 */
interface RegionSpec {
  description: string;
  enabledByDefault: boolean;
  independentMapping: boolean;
  zones: string;
}

const SPECS: Record<string, RegionSpec> = {
  'af-south-1': { description: 'Africa (Cape Town)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ap-east-1': { description: 'Asia Pacific (Hong Kong)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ap-east-2': { description: 'Asia Pacific (Taipei)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ap-northeast-1': { description: 'Asia Pacific (Tokyo)', enabledByDefault: true, independentMapping: true, zones: 'a4 c1 d2' },
  'ap-northeast-2': { description: 'Asia Pacific (Seoul)', enabledByDefault: true, independentMapping: false, zones: 'a1 b2 c3 d4' },
  'ap-northeast-3': { description: 'Asia Pacific (Osaka)', enabledByDefault: true, independentMapping: false, zones: 'a3 b1 c2' },
  'ap-south-1': { description: 'Asia Pacific (Mumbai)', enabledByDefault: true, independentMapping: false, zones: 'a1 b3 c2' },
  'ap-south-2': { description: 'Asia Pacific (Hyderabad)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ap-southeast-1': { description: 'Asia Pacific (Singapore)', enabledByDefault: true, independentMapping: true, zones: 'a1 b2 c3' },
  'ap-southeast-2': { description: 'Asia Pacific (Sydney)', enabledByDefault: true, independentMapping: true, zones: 'a1 b3 c2' },
  'ap-southeast-3': { description: 'Asia Pacific (Jakarta)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ap-southeast-4': { description: 'Asia Pacific (Melbourne)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ap-southeast-5': { description: 'Asia Pacific (Malaysia)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ap-southeast-6': { description: 'Asia Pacific (New Zealand)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ap-southeast-7': { description: 'Asia Pacific (Thailand)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'ca-central-1': { description: 'Canada (Central)', enabledByDefault: true, independentMapping: false, zones: 'a1 b2 d4' },
  'ca-west-1': { description: 'Canada West (Calgary)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'eu-central-1': { description: 'Europe (Frankfurt)', enabledByDefault: true, independentMapping: false, zones: 'a2 b3 c1' },
  'eu-central-2': { description: 'Europe (Zurich)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'eu-north-1': { description: 'Europe (Stockholm)', enabledByDefault: true, independentMapping: false, zones: 'a1 b2 c3' },
  'eu-south-1': { description: 'Europe (Milan)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'eu-south-2': { description: 'Europe (Spain)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'eu-west-1': { description: 'Europe (Ireland)', enabledByDefault: true, independentMapping: true, zones: 'a3 b1 c2' },
  'eu-west-2': { description: 'Europe (London)', enabledByDefault: true, independentMapping: false, zones: 'a2 b3 c1' },
  'eu-west-3': { description: 'Europe (Paris)', enabledByDefault: true, independentMapping: false, zones: 'a1 b2 c3' },
  'il-central-1': { description: 'Israel (Tel Aviv)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'me-central-1': { description: 'Middle East (UAE)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'me-south-1': { description: 'Middle East (Bahrain)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'mx-central-1': { description: 'Mexico (Central)', enabledByDefault: false, independentMapping: false, zones: 'a1 b2 c3' },
  'sa-east-1': { description: 'South America (Sao Paulo)', enabledByDefault: true, independentMapping: true, zones: 'a1 b2 c3' },
  'us-east-1': { description: 'US East (N. Virginia)', enabledByDefault: true, independentMapping: true, zones: 'a6 b1 c2 d4 e3 f5' },
  'us-east-2': { description: 'US East (Ohio)', enabledByDefault: true, independentMapping: false, zones: 'a1 b2 c3' },
  'us-west-1': { description: 'US West (N. California)', enabledByDefault: true, independentMapping: true, zones: 'b3 c1' },
  'us-west-2': { description: 'US West (Oregon)', enabledByDefault: true, independentMapping: true, zones: 'a2 b1 c3 d4' },
};

const DIRECTION_ABBREV: Record<string, string> = {
  east: 'e', west: 'w', north: 'n', south: 's', central: 'c',
  northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw',
};

/**
 * The AZ ID prefix of a Region: its area code, the initials of its direction, its number
 * (`us-east-1` -> `use1`, `ap-southeast-2` -> `apse2`, `il-central-1` -> `ilc1`).
 */
export function azIdPrefix(region: string): string {
  const [area, direction, number] = region.split('-');
  const abbrev = direction === undefined ? undefined : DIRECTION_ABBREV[direction];
  if (!area || abbrev === undefined || !number) throw new Error(`not a Region code: ${region}`);
  return `${area}${abbrev}${number}`;
}

/** Services with one endpoint for the whole partition (botocore `partitionEndpoint: aws-global`, not regionalized). */
const GLOBAL_HOSTS: Record<string, string> = {
  iam: 'iam.amazonaws.com',
  route53: 'route53.amazonaws.com',
  cloudfront: 'cloudfront.amazonaws.com',
  organizations: 'organizations.us-east-1.amazonaws.com',
};

/** Service ids whose endpoint prefix differs from the name used elsewhere in Nimbus. */
const ENDPOINT_PREFIX: Record<string, string> = {
  'service-quotas': 'servicequotas',
  cloudwatch: 'monitoring',
  elbv2: 'elasticloadbalancing',
  elasticloadbalancingv2: 'elasticloadbalancing',
};

function endpointHost(region: string, service: string): string {
  const key = service.toLowerCase();
  const global = GLOBAL_HOSTS[key];
  if (global) return global;
  const prefix = ENDPOINT_PREFIX[key] ?? key;
  return `${prefix}.${region}.${DNS_SUFFIX}`;
}

function zone(zoneName: string, zoneId: string): ZoneInfo {
  return Object.freeze({ zoneName, zoneId, zoneType: 'availability-zone', state: 'available' } as const);
}

function buildRegion(name: string, spec: RegionSpec): RegionInfo {
  const prefix = azIdPrefix(name);
  const zones = spec.zones
    .split(' ')
    .map((z) => zone(`${name}${z[0]}`, `${prefix}-az${z.slice(1)}`))
    .sort((x, y) => (x.zoneName < y.zoneName ? -1 : 1));
  return Object.freeze({
    name,
    description: spec.description,
    optInStatus: spec.enabledByDefault ? 'opt-in-not-required' : 'not-opted-in',
    zones: Object.freeze(zones) as ZoneInfo[],
    endpoint: (service: string) => endpointHost(name, service),
  });
}

/** Every commercial Region, sorted by name. */
export const REGIONS: readonly RegionInfo[] = Object.freeze(
  Object.keys(SPECS)
    .sort()
    .map((name) => buildRegion(name, SPECS[name]!)),
);

const BY_NAME: ReadonlyMap<string, RegionInfo> = new Map(REGIONS.map((r) => [r.name, r]));

export function getRegion(name: string): RegionInfo | undefined {
  return BY_NAME.get(name);
}

export function isKnownRegion(name: string): boolean {
  return BY_NAME.has(name);
}

/** True for the Regions whose zone names AWS maps to AZ IDs independently in each account. */
export function hasIndependentZoneMapping(region: string): boolean {
  return SPECS[region]?.independentMapping === true && BY_NAME.has(region);
}

const accountZones = new Map<string, readonly ZoneInfo[]>();
const ACCOUNT_ZONES_CACHE_LIMIT = 10_000;

/**
 * The Availability Zones of `region` as account `accountId` sees them, sorted by zone name;
 * `[]` for an unknown Region.
 *
 * For the independently mapped Regions the AZ IDs are dealt to the zone names by a permutation
 * drawn from SHA-256 of (Region, account id): stable for an account, different between most
 * accounts, and always a bijection between the Region's zone names and its AZ IDs. Every other
 * Region answers its one uniform mapping, as AWS does.
 */
export function zonesForAccount(region: string, accountId: string): ZoneInfo[] {
  const info = BY_NAME.get(region);
  if (!info) return [];
  if (!SPECS[region]!.independentMapping) return info.zones.slice();
  const key = `${region}\u0000${accountId}`;
  let zones = accountZones.get(key);
  if (!zones) {
    zones = Object.freeze(shuffleIds(info.zones, key));
    if (accountZones.size >= ACCOUNT_ZONES_CACHE_LIMIT) accountZones.clear();
    accountZones.set(key, zones);
  }
  return zones.slice();
}

function shuffleIds(defaults: readonly ZoneInfo[], key: string): ZoneInfo[] {
  const ids = defaults.map((z) => z.zoneId);
  const digest = createHash('sha256').update(`nimbus:az-mapping:${key}`).digest();
  // Fisher-Yates driven by the digest (6 zones at most: 4 bytes per swap stays inside 32 bytes).
  for (let i = ids.length - 1; i > 0; i--) {
    const j = digest.readUInt32BE(((ids.length - 1 - i) * 4) % 32) % (i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return defaults.map((z, i) => zone(z.zoneName, ids[i]!));
}

/**
 * The zone of `region`, as account `accountId` sees it, whose name or AZ ID is `nameOrId`
 * (`us-east-1a` or `use1-az4`).
 */
export function findZone(region: string, accountId: string, nameOrId: string): ZoneInfo | undefined {
  return zonesForAccount(region, accountId).find((z) => z.zoneName === nameOrId || z.zoneId === nameOrId);
}

/** The Region of a zone name (`us-east-1a`) or AZ ID (`use1-az6`), if it names a known zone. */
export function regionOfZone(nameOrId: string): string | undefined {
  for (const r of REGIONS) {
    if (r.zones.some((z) => z.zoneName === nameOrId || z.zoneId === nameOrId)) return r.name;
  }
  return undefined;
}
