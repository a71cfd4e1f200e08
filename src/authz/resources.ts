/**
 * The resources a request is authorized on, built from the operation's parsed input and the ARN
 * formats of AWS's Service Authorization Reference (models/authz/<prefix>.json): never typed per
 * operation.
 *
 * For each resource type the action lists:
 *  - an input member that already holds an ARN of that type (`PolicyArn`, `RoleArn`,
 *    `SerialNumber`...) is used as it is;
 *  - otherwise the ARN template's variables are filled: `${Partition}`, `${Account}`, `${Region}`,
 *    IAM's `${XNameWithPath}` (the entity's stored path, or the input's `Path` when it is being
 *    created, or `/`), and any variable named like an input member;
 *  - IAM operations whose `UserName` is optional act on the caller (GetUser, CreateAccessKey,
 *    ListMFADevices...), so the caller's own user ARN is the resource.
 * Required types must bind; optional ones are checked only when the input names them. Actions
 * without a resource type are authorized on `*`, except IAM's List operations, which AWS evaluates
 * on the path being listed (`arn:aws:iam::ACCT:user/` for ListUsers; `policy path /` in the
 * message for ListPolicies).
 */
import type { ReadTx } from '../store/types.js';
import type { ActionDef, ServiceAuthz } from './actions.js';
import type { Principal } from '../gateway/context.js';
import { getAccessKey } from '../accounts/accounts.js';
import { serviceLinkedRoleDef } from '../services/iam/roles.js';

/** What the authorizer knows about an IAM entity named by the request (for paths and tag keys). */
export interface EntityFacts {
  Path?: string;
  Tags?: Array<{ Key: string; Value: string }>;
  PermissionsBoundary?: { PermissionsBoundaryArn?: string };
}

export interface BoundResource {
  /** The resource type's name in the reference (`user`, `role`...), or undefined for `*`. */
  type?: string;
  arn: string;
  /** How AWS names the resource in a denial when it differs from the ARN (`policy path /`). */
  display?: string;
  /** The stored entity, when the resource is an existing IAM entity. */
  entity?: EntityFacts;
}

export interface BindEnv {
  tx: ReadTx;
  accountId: string;
  region: string;
  principal: Principal;
  /** Reads an IAM entity (store kind, lower-cased name); the authorizer caches these. */
  entity(kind: string, lowerName: string): EntityFacts | undefined | Promise<EntityFacts | undefined>;
}

type Input = Record<string, unknown>;

/** IAM entity kinds by the `${XNameWithPath}` variable naming them: store kind and input member. */
const IAM_ENTITIES: Record<string, { kind: string; member: string }> = {
  UserName: { kind: 'iam.user', member: 'UserName' },
  GroupName: { kind: 'iam.group', member: 'GroupName' },
  RoleName: { kind: 'iam.role', member: 'RoleName' },
  InstanceProfileName: { kind: 'iam.instanceProfile', member: 'InstanceProfileName' },
  PolicyName: { kind: 'iam.policy', member: 'PolicyName' },
  MfaTokenId: { kind: 'iam.mfaDevice', member: 'VirtualMFADeviceName' },
  CertificateName: { kind: 'iam.serverCertificate', member: 'ServerCertificateName' },
};

/** Template variables named differently from the input member that holds them. */
const INPUT_ALIASES: Record<string, (input: Input) => string | undefined> = {
  // CreateOpenIDConnectProvider: the ARN's name is the URL without its scheme.
  OidcProviderName: (i) => (typeof i.Url === 'string' ? i.Url.replace(/^https:\/\//i, '') : undefined),
  // CreateSAMLProvider: Name.
  SamlProviderName: (i) => (typeof i.Name === 'string' ? i.Name : undefined),
};

/** Operations whose resource no template variable names: the ARN is computed from the input. */
const COMPUTED: Record<string, Record<string, (input: Input, env: BindEnv) => string | undefined>> = {
  iam: {
    // The role AWS creates: /aws-service-role/<service>/<AWSServiceRoleFor...>[_<suffix>].
    CreateServiceLinkedRole: (i, env) => {
      const def = typeof i.AWSServiceName === 'string' ? serviceLinkedRoleDef(i.AWSServiceName) : undefined;
      if (!def) return undefined;
      const name = typeof i.CustomSuffix === 'string' ? `${def.roleName}_${i.CustomSuffix}` : def.roleName;
      return `arn:aws:iam::${env.accountId}:role/aws-service-role/${def.service}/${name}`;
    },
  },
};

/** IAM's List operations: AWS authorizes them on the listed path. */
const IAM_LISTS: Record<string, { type: string; display?: (path: string) => string }> = {
  ListUsers: { type: 'user' },
  ListGroups: { type: 'group' },
  ListRoles: { type: 'role' },
  ListInstanceProfiles: { type: 'instance-profile' },
  ListPolicies: { type: 'policy', display: (path) => `policy path ${path}` },
};

const VAR_RE = /\$\{([A-Za-z0-9]+)\}/g;
const templateRegexCache = new Map<string, RegExp>();

/** A regex matching ARNs of a template: variables match within one ARN field, the last one anything. */
function templateRegex(template: string): RegExp {
  let re = templateRegexCache.get(template);
  if (!re) {
    const parts = template.split(VAR_RE);
    let src = '^';
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 0) src += parts[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else src += i === parts.length - 2 && parts[parts.length - 1] === '' ? '.+' : '[^:]*';
    }
    re = new RegExp(src + '$');
    templateRegexCache.set(template, re);
  }
  return re;
}

/** Input members that may carry a full ARN. */
function arnCandidates(input: Input): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    if (typeof v === 'string' && v.startsWith('arn:') && (k.endsWith('Arn') || k.endsWith('ARN') || k === 'SerialNumber')) out.push(v);
  }
  return out;
}

const userNameOf = (p: Principal) => (p.type === 'user' ? p.name : undefined);
const pathOfArn = (arn: string) => {
  const slash = arn.indexOf('/');
  const last = arn.lastIndexOf('/');
  return slash < 0 ? '/' : arn.slice(slash, last + 1);
};

interface Filled {
  arn: string;
  entity?: EntityFacts;
  /** Whether the binding used only the input (not the caller or a default). */
  fromInput: boolean;
}

/** A template split once: literal texts around variable names (`lits.length === vars.length + 1`). */
interface Parsed {
  lits: string[];
  vars: string[];
}
const parsedTemplates = new Map<string, Parsed>();
function parseTemplate(template: string): Parsed {
  let p = parsedTemplates.get(template);
  if (!p) {
    const parts = template.split(VAR_RE);
    p = { lits: parts.filter((_, i) => i % 2 === 0), vars: parts.filter((_, i) => i % 2 === 1) };
    parsedTemplates.set(template, p);
  }
  return p;
}

async function fill(template: string, input: Input, env: BindEnv, operation: string): Promise<Filled | undefined> {
  let fromInput = true;
  let inputVars = 0;
  let entity: EntityFacts | undefined;
  const { lits, vars } = parseTemplate(template);
  let arn = lits[0]!;
  for (let i = 0; i < vars.length; i++) {
    const name = vars[i]!;
    let value: string | undefined;
    if (name === 'Partition') value = 'aws';
    else if (name === 'Account') value = env.accountId;
    else if (name === 'Region') value = env.region;
    else if (name.endsWith('WithPath')) {
      const base = name.slice(0, -'WithPath'.length);
      const ent = IAM_ENTITIES[base];
      let entName = ent ? (input[ent.member] as string | undefined) : undefined;
      let path: string | undefined;
      if (entName === undefined && base === 'UserName') {
        if (operation === 'GetAccessKeyLastUsed') entName = await userFromAccessKey(input, env);
        if (entName === undefined && (entName = userNameOf(env.principal)) !== undefined) {
          path = pathOfArn(env.principal.arn);
          fromInput = false;
        }
      }
      if (ent && entName !== undefined) {
        const found = env.entity(ent.kind, entName.toLowerCase());
        const stored = found instanceof Promise ? await found : found;
        if (stored) entity = stored;
        path ??= stored?.Path ?? (typeof input.Path === 'string' ? input.Path : '/');
        value = path.length === 1 ? entName : path.slice(1) + entName;
        if (fromInput) inputVars++;
      }
    } else if (INPUT_ALIASES[name]?.(input) !== undefined) {
      value = INPUT_ALIASES[name]!(input);
      inputVars++;
    } else if (typeof input[name] === 'string') {
      value = input[name] as string;
      inputVars++;
    }
    if (value === undefined) return undefined;
    arn += value + lits[i + 1]!;
  }
  return { arn, entity, fromInput: fromInput && inputVars > 0 };
}

/** GetAccessKeyLastUsed names only the key: the resource is the key's owner. */
async function userFromAccessKey(input: Input, env: BindEnv): Promise<string | undefined> {
  if (typeof input.AccessKeyId !== 'string') return undefined;
  const rec = await getAccessKey(env.tx, input.AccessKeyId);
  return rec && rec.accountId === env.accountId && rec.owner.type === 'user' ? rec.owner.userName : undefined;
}

/** The resources an operation's action is checked on (at least one). */
export async function bindResources(
  authz: ServiceAuthz,
  def: ActionDef,
  operation: string,
  input: Input,
  env: BindEnv,
): Promise<BoundResource[]> {
  const out: BoundResource[] = [];
  if (def.resourceTypes.length === 0) {
    const list = authz.prefix === 'iam' ? IAM_LISTS[operation] : undefined;
    if (list) {
      const path = typeof input.PathPrefix === 'string' ? input.PathPrefix : '/';
      const t = authz.resourceTypes[list.type]!.arn;
      // `arn:aws:iam::ACCT:user/` + the path prefix without its leading slash.
      const base = t.slice(0, t.lastIndexOf('${')).replace('${Partition}', 'aws').replace('${Account}', env.accountId);
      out.push({ arn: `${base}${path.slice(1)}`, display: list.display?.(path) });
    } else out.push({ arn: '*' });
    return out;
  }
  const computed = COMPUTED[authz.prefix]?.[operation]?.(input, env);
  if (computed) return [{ type: def.resourceTypes[0]?.name, arn: computed }];
  const candidates = arnCandidates(input);
  for (const rt of def.resourceTypes) {
    const template = authz.resourceTypes[rt.name]?.arn;
    if (!template) continue;
    const re = templateRegex(template);
    const given = candidates.find((c) => re.test(c));
    if (given) {
      // AWS names its own managed policies `policy <arn>` in denials.
      out.push({ type: rt.name, arn: given, display: rt.name === 'policy' && given.startsWith('arn:aws:iam::aws:policy/') ? `policy ${given}` : undefined });
      continue;
    }
    const filled = await fill(template, input, env, operation);
    if (filled && (rt.required || filled.fromInput)) out.push({ type: rt.name, arn: filled.arn, entity: filled.entity });
  }
  if (out.length === 0) out.push({ arn: '*' });
  return out;
}
