/**
 * Request authorization: the pipeline's one place where a caller's permissions are decided, with
 * the pure policy engine (src/policy) as the judge.
 *
 * For an operation: its action (actions.ts) on each resource it addresses (resources.ts), with the
 * request context (request-context.ts), against the caller's policies:
 *  - the account root user: allowed in its own account (decide()'s root rule);
 *  - an IAM user (long-term keys, or GetSessionToken credentials): its inline and attached
 *    policies, every group's, and its permissions boundary.
 * Extra actions AWS checks for some operations (iam:PassRole when a role is handed to a service)
 * are checked too. The first denial is rendered as the service renders it (AccessDenied,
 * UnauthorizedOperation with an encoded message...). Every decision goes to the audit trail.
 *
 * Compiled policies are cached by document, and each principal's compiled set until the store's
 * generation changes (any committed write), so a policy change applies on the very next request,
 * as on AWS.
 */
import type { ReadTx, Store } from '../store/types.js';
import type { Principal } from '../gateway/context.js';
import type { AccessKeyRecord } from '../accounts/accounts.js';
import type { CallerPrincipal, PolicyType } from '../policy/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Decision } from '../policy/decide.js';
import { compilePolicy } from '../policy/compile.js';
import { decide } from '../policy/decide.js';
import type { ContextInput } from '../policy/context.js';
import { isProblem } from '../policy/document.js';
import { actionFor, serviceAuthz, SERVICE_PREFIX, UNAUTHORIZED_OPERATIONS, type ActionDef } from './actions.js';
import { bindResources, type BindEnv, type BoundResource, type EntityFacts } from './resources.js';
import { requestContext, resourceTagContext, FactsContext, type PrincipalFacts, type RequestFacts } from './request-context.js';
import { AuditTrail } from './audit.js';
import { denialError } from './denials.js';
import { userPermissions, rolePermissions, type PolicyDoc } from '../services/iam/permissions.js';
import { getRole, roleByArn } from '../services/iam/roles.js';
import { getUser } from '../services/iam/state.js';
import { managedPolicyDocument } from '../services/iam/policies.js';
import { usersMayChangeOwnPassword } from '../services/iam/login-profiles.js';

interface PrincipalPolicies {
  identity: CompiledPolicy[];
  boundary?: CompiledPolicy;
  /** Session policies (role sessions and federated users that were given any). */
  session?: CompiledPolicy[];
  facts: PrincipalFacts;
}

/** A resource-based policy an operation is also decided by, and the account owning the resource. */
interface ResourcePolicy {
  policy: PolicyDoc;
  type: PolicyType;
  accountId: string;
}
type ResourcePolicyOf = (tx: ReadTx, input: Record<string, unknown>) => Promise<ResourcePolicy | undefined>;

/**
 * Operations decided with a resource-based policy. sts:AssumeRole: the role's trust policy, which
 * must allow the caller even within one account (IAM User Guide, "Cross account resource access":
 * a role trust policy is required), and which lives in the role's account (possibly another one).
 */
const roleTrust: ResourcePolicyOf = async (tx, input) => {
  const found = typeof input.RoleArn === 'string' ? await roleByArn(tx, input.RoleArn) : undefined;
  return found && { policy: { id: found.role.Arn, document: found.role.AssumeRolePolicyDocument }, type: 'trust', accountId: found.accountId };
};
/**
 * AWS managed policies belong to AWS, not to the caller's account: every account may read them
 * (with its own permission to do so) and none may change them. They are decided as cross-account
 * resources whose resource-based policy allows reads to everyone, so a write (CreatePolicyVersion,
 * DeletePolicy, TagPolicy...) is refused to any caller, root included, "because no resource-based
 * policy allows" it, as AWS answers.
 */
const AWS_OWNED_ACCOUNT = 'aws';
const AWS_OWNED_READS: PolicyDoc = {
  id: 'aws-managed-policies',
  document: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: ['iam:Get*', 'iam:List*'], Resource: 'arn:aws:iam::aws:policy/*' }],
  }),
};
const arnAccount = (arn: string) => arn.split(':', 5)[4];

const RESOURCE_POLICIES: Record<string, Record<string, ResourcePolicyOf>> = {
  sts: { AssumeRole: roleTrust, AssumeRoleWithWebIdentity: roleTrust, AssumeRoleWithSAML: roleTrust },
};

/** Context an operation adds about itself. AssumeRole with SerialNumber + TokenCode is an MFA request (the STS handler verifies the code before issuing anything). */
const OPERATION_CONTEXT: Record<string, Record<string, (input: Record<string, unknown>) => ContextInput | undefined>> = {
  sts: {
    AssumeRole: (i) =>
      typeof i.SerialNumber === 'string' && typeof i.TokenCode === 'string'
        ? { 'aws:multifactorauthpresent': true, 'aws:multifactorauthage': 0 }
        : undefined,
  },
};

/** One check: an action on a resource. */
interface Check {
  action: string;
  def: ActionDef | undefined;
  resources: BoundResource[];
  /** Extra context keys, lower-cased as requestContext writes them. */
  extraContext?: ContextInput;
  /** Decided with the operation's resource-based policy too (the primary check, and extras on the same resource). */
  withResourcePolicy?: boolean;
}

/**
 * Operations that also need other actions, as AWS documents for each: on a named resource, or
 * (`resource` omitted) on the operation's own resources and with its resource-based policy.
 */
type ExtraCheck = (input: Record<string, unknown>, accountId: string, principal: Principal) => Array<{ action: string; resource?: string; context?: ContextInput }>;
const sessionExtras: ExtraCheck = (i, _acct, p) => {
  const out: Array<{ action: string }> = [];
  // IAM User Guide, "Passing session tags in AWS STS": the role trust policy (and, as for
  // sts:AssumeRole itself, the caller's policies) must allow sts:TagSession when tags are passed.
  if (Array.isArray(i.Tags) && i.Tags.length > 0) out.push({ action: 'sts:TagSession' });
  // "Monitor and control actions taken with assumed roles": setting a source identity needs
  // sts:SetSourceIdentity the same way.
  if (typeof i.SourceIdentity === 'string' || p.federation?.context['sts:sourceidentity'] !== undefined) out.push({ action: 'sts:SetSourceIdentity' });
  return out;
};
const EXTRA_CHECKS: Record<string, Record<string, ExtraCheck>> = {
  iam: {
    // IAM API Reference, AddRoleToInstanceProfile: "The caller of this operation must be granted
    // the PassRole permission on the IAM role by a permissions policy."
    AddRoleToInstanceProfile: (i, acct) => (typeof i.RoleName === 'string' ? [{ action: 'iam:PassRole', resource: `arn:aws:iam::${acct}:role/${i.RoleName}` }] : []),
  },
  sts: { AssumeRole: sessionExtras, AssumeRoleWithWebIdentity: sessionExtras, AssumeRoleWithSAML: sessionExtras },
};

export interface AuthorizeInput {
  tx: ReadTx;
  requestId: string;
  serviceId: string;
  operation: string;
  input: Record<string, unknown>;
  principal: Principal;
  key: AccessKeyRecord | undefined;
  facts: RequestFacts;
  /** The key sealing EC2's encoded authorization messages. */
  messageKey: Uint8Array;
}

export class Authorizer {
  readonly audit = new AuditTrail();
  private readonly compiled = new Map<string, CompiledPolicy | null>();
  private readonly principals = new Map<string, PrincipalPolicies>();
  /** IAM entities named by requests (paths, tags, boundaries), `null` for absent ones. */
  private readonly entities = new Map<string, EntityFacts | null>();
  private seenGeneration = -1;

  constructor(private readonly store: Store) {}

  /** Throws the service's denial error when the caller may not perform the operation. */
  async authorize(a: AuthorizeInput): Promise<void> {
    if (UNAUTHORIZED_OPERATIONS[a.serviceId]?.has(a.operation)) return;
    const prefix = SERVICE_PREFIX[a.serviceId] ?? a.serviceId;
    const found = actionFor(a.serviceId, a.operation);
    const env = this.bindEnv(a.tx, a.principal, a.facts.region);
    const checks: Check[] = [];
    checks.push({
      action: found?.action ?? `${prefix}:${a.operation}`,
      def: found?.def,
      resources: found ? await bindResources(serviceAuthz(prefix), found.def, a.operation, a.input, env) : [{ arn: '*' }],
      withResourcePolicy: true,
    });
    for (const extra of EXTRA_CHECKS[a.serviceId]?.[a.operation]?.(a.input, a.principal.accountId, a.principal) ?? []) {
      const [svc, name] = extra.action.split(':') as [string, string];
      const def = serviceAuthz(svc).actions[name];
      if (extra.resource === undefined) {
        checks.push({ action: extra.action, def, resources: checks[0]!.resources, extraContext: extra.context, withResourcePolicy: true });
        continue;
      }
      const entityKind = extra.action === 'iam:PassRole' ? 'iam.role' : undefined;
      const entityName = extra.resource.slice(extra.resource.lastIndexOf('/') + 1);
      const entity = entityKind ? await env.entity(entityKind, entityName.toLowerCase()) : undefined;
      const arn = entity?.Path ? extra.resource.replace(/\/[^/]*$/, `${entity.Path}${entityName}`) : extra.resource;
      checks.push({ action: extra.action, def, resources: [{ type: 'role', arn, entity }], extraContext: extra.context });
    }

    const caller = callerOf(a.principal);
    const policies = a.principal.type === 'root' ? ROOT_POLICIES : (this.cachedPolicies(a.principal) ?? (await this.loadPolicies(a.tx, a.principal)));
    const rp = await RESOURCE_POLICIES[a.serviceId]?.[a.operation]?.(a.tx, a.input);
    const resourcePolicy = rp && this.compile(rp.policy, rp.type);
    const opContext = OPERATION_CONTEXT[a.serviceId]?.[a.operation]?.(a.input);
    for (const check of checks) {
      const base = requestContext(a.principal, a.key, policies.facts, a.facts, check.def, a.input, check.resources);
      if (check.extraContext) Object.assign(base, check.extraContext);
      if (opContext) Object.assign(base, opContext);
      if (a.principal.federation) Object.assign(base, a.principal.federation.context);
      for (const res of check.resources) {
        const context = new FactsContext(base, resourceTagContext(res, prefix));
        const awsOwned = arnAccount(res.arn) === AWS_OWNED_ACCOUNT;
        const d = decide(
          { action: check.action, resource: res.arn, principal: caller, context },
          {
            identity: policies.identity,
            boundary: policies.boundary,
            session: policies.session,
            resource: awsOwned ? this.compile(AWS_OWNED_READS, 'resource') : check.withResourcePolicy ? resourcePolicy : undefined,
            resourceAccountId: awsOwned ? AWS_OWNED_ACCOUNT : check.withResourcePolicy && rp ? rp.accountId : undefined,
            resourcePolicyRequired: check.withResourcePolicy && RESOURCE_POLICIES[a.serviceId]?.[a.operation] !== undefined ? true : undefined,
            isRoot: a.principal.type === 'root',
          },
        );
        this.audit.record({
          requestId: a.requestId,
          time: a.facts.now,
          accountId: a.principal.accountId,
          principalArn: a.principal.arn,
          service: check.action.slice(0, check.action.indexOf(':')),
          action: check.action,
          resource: res.arn,
          region: a.facts.region,
          decision: d.decision,
          deniedBy: d.deniedBy,
          matched: d.matched,
        });
        if (d.decision !== 'Allowed') {
          throw denialError(a.serviceId, d, {
            principal: a.principal,
            action: check.action,
            resource: res,
            context,
            policies: resourcePolicy ? [...allPolicies(policies), resourcePolicy] : allPolicies(policies),
            messageKey: a.messageKey,
          });
        }
      }
    }
  }

  /** The decision alone (for tests and the simulator): no rendering, no audit. */
  async decisionFor(a: Omit<AuthorizeInput, 'messageKey' | 'requestId'>): Promise<Decision[]> {
    const prefix = SERVICE_PREFIX[a.serviceId] ?? a.serviceId;
    const found = actionFor(a.serviceId, a.operation);
    if (!found) return [];
    const env = this.bindEnv(a.tx, a.principal, a.facts.region);
    const resources = await bindResources(serviceAuthz(prefix), found.def, a.operation, a.input, env);
    const policies = a.principal.type === 'root' ? ROOT_POLICIES : (this.cachedPolicies(a.principal) ?? (await this.loadPolicies(a.tx, a.principal)));
    const base = requestContext(a.principal, a.key, policies.facts, a.facts, found.def, a.input, resources);
    return resources.map((res) =>
      decide(
        { action: found.action, resource: res.arn, principal: callerOf(a.principal), context: new FactsContext(base, resourceTagContext(res, prefix)) },
        { identity: policies.identity, boundary: policies.boundary, isRoot: a.principal.type === 'root' },
      ),
    );
  }

  /** Drops every cached fact once the store has changed (any committed write). */
  private fresh(): void {
    const generation = this.store.generation;
    if (generation !== this.seenGeneration) {
      this.principals.clear();
      this.entities.clear();
      this.seenGeneration = generation;
    }
  }

  private bindEnv(tx: ReadTx, principal: Principal, region: string): BindEnv {
    const accountId = principal.accountId;
    return {
      tx,
      accountId,
      region,
      principal,
      entity: (kind, lowerName) => {
        this.fresh();
        const k = `${accountId}|${kind}|${lowerName}`;
        const hit = this.entities.get(k);
        if (hit !== undefined) return hit ?? undefined;
        const generation = this.store.generation;
        return tx.get<EntityFacts>(accountId, kind, lowerName).then((e) => {
          if (this.store.generation !== generation) return e;
          if (this.entities.size >= 50_000) this.entities.clear();
          // Only what authorization reads is kept (not whole records).
          this.entities.set(k, e ? { Path: e.Path, Tags: e.Tags, PermissionsBoundary: e.PermissionsBoundary } : null);
          return e;
        });
      },
    };
  }

  /** Sessions are cached per credentials (two sessions of one name may carry different session policies). */
  private static cacheKey(p: Principal): string {
    return p.session ? p.accessKeyId : p.arn;
  }

  private cachedPolicies(p: Principal): PrincipalPolicies | undefined {
    this.fresh();
    return this.principals.get(Authorizer.cacheKey(p));
  }

  /** A session's policies: undefined when it was given none (a role session then keeps its role's permissions). */
  private async sessionPolicies(tx: ReadTx, accountId: string, p: Principal): Promise<CompiledPolicy[] | undefined> {
    const s = p.session;
    if (!s || (s.policy === undefined && !s.policyArns?.length)) return undefined;
    const out: CompiledPolicy[] = [];
    if (s.policy !== undefined) {
      const c = this.compile({ id: 'session-policy', document: s.policy }, 'session');
      if (c) out.push(c);
    }
    for (const arn of s.policyArns ?? []) {
      const document = await managedPolicyDocument(tx, accountId, arn);
      const c = document === undefined ? undefined : this.compile({ id: arn, document }, 'session');
      if (c) out.push(c);
    }
    return out;
  }

  private async loadPolicies(tx: ReadTx, p: Principal): Promise<PrincipalPolicies> {
    const cacheKey = Authorizer.cacheKey(p);
    let out: PrincipalPolicies = { identity: [], facts: { tags: [] } };
    if (p.type === 'user') {
      const perms = await userPermissions(tx, p.accountId, p.name);
      if (perms) {
        // The password policy's AllowUsersToChangePassword lets every user change its own password,
        // as the IAMUserChangePassword managed policy would.
        if (await usersMayChangeOwnPassword(tx, p.accountId)) perms.identity.push(CHANGE_OWN_PASSWORD);
        out = {
          identity: perms.identity.map((d) => this.compile(d, 'identity')).filter((c): c is CompiledPolicy => c !== undefined),
          boundary: perms.boundary ? this.compile(perms.boundary, 'boundary') : undefined,
          facts: { tags: perms.tags },
        };
      }
    } else if (p.type === 'assumed-role' && p.role) {
      const role = await getRole(tx, p.accountId, p.role.name);
      const perms = role && role.RoleId === p.role.id ? await rolePermissions(tx, p.accountId, p.role.name) : undefined;
      const session = await this.sessionPolicies(tx, p.accountId, p);
      out = {
        identity: (perms?.identity ?? []).map((d) => this.compile(d, 'identity')).filter((c): c is CompiledPolicy => c !== undefined),
        boundary: perms?.boundary ? this.compile(perms.boundary, 'boundary') : undefined,
        // A session policy that no longer compiles must not widen the session: keep an empty list.
        session,
        facts: { tags: mergeTags(perms?.tags ?? [], p.session?.tags ?? []), roleArn: p.role.arn, sourceIdentity: p.session?.sourceIdentity },
      };
    } else if (p.type === 'federated-user' && p.sourceUser) {
      const perms = await userPermissions(tx, p.accountId, p.sourceUser.name);
      const live = perms && (await getUser(tx, p.accountId, p.sourceUser.name))?.UserId === p.sourceUser.id;
      // Root may call GetFederationToken (not recommended): its federated users start from everything.
      const fromRoot = p.sourceUser.arn === `arn:aws:iam::${p.accountId}:root`;
      const identity = fromRoot ? [ALLOW_ALL] : live ? perms!.identity : [];
      out = {
        identity: identity.map((d) => this.compile(d, 'identity')).filter((c): c is CompiledPolicy => c !== undefined),
        boundary: live && perms!.boundary ? this.compile(perms!.boundary, 'boundary') : undefined,
        // GetFederationToken without a policy grants nothing: an empty session list, not "none".
        session: (await this.sessionPolicies(tx, p.accountId, p)) ?? [],
        facts: { tags: p.session?.tags ?? [], sourceIdentity: p.session?.sourceIdentity },
      };
    }
    if (this.principals.size >= 10_000) this.principals.clear();
    this.principals.set(cacheKey, out);
    return out;
  }

  private compile(doc: PolicyDoc, type: PolicyType): CompiledPolicy | undefined {
    const k = `${type}\u0000${doc.id}\u0000${doc.document}`;
    let c = this.compiled.get(k);
    if (c === undefined) {
      const r = compilePolicy(doc.document, { id: doc.id, type });
      // Stored documents were validated when written; one that no longer compiles grants nothing.
      c = isProblem(r) ? null : r;
      if (this.compiled.size >= 20_000) this.compiled.clear();
      this.compiled.set(k, c);
    }
    return c ?? undefined;
  }
}

const CHANGE_OWN_PASSWORD: PolicyDoc = {
  id: 'account/AllowUsersToChangePassword',
  document: JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iam:ChangePassword', Resource: 'arn:aws:iam::*:user/${aws:username}' },
      { Effect: 'Allow', Action: 'iam:GetAccountPasswordPolicy', Resource: '*' },
    ],
  }),
};

const ALLOW_ALL: PolicyDoc = {
  id: 'root',
  document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
};

const ROOT_POLICIES: PrincipalPolicies = { identity: [], facts: { tags: [] } };

function allPolicies(p: PrincipalPolicies): CompiledPolicy[] {
  return [...p.identity, ...(p.boundary ? [p.boundary] : []), ...(p.session ?? [])];
}

/** Session tags override the role's tags of the same key (keys compare case-insensitively). */
function mergeTags(base: Array<{ Key: string; Value: string }>, over: Array<{ Key: string; Value: string }>) {
  if (over.length === 0) return base;
  const keys = new Set(over.map((t) => t.Key.toLowerCase()));
  return [...base.filter((t) => !keys.has(t.Key.toLowerCase())), ...over];
}

function callerOf(p: Principal): CallerPrincipal {
  switch (p.type) {
    case 'root':
      return { kind: 'root', accountId: p.accountId, arn: p.arn };
    case 'user':
      return { kind: 'user', accountId: p.accountId, arn: p.arn };
    case 'assumed-role':
      return { kind: 'assumed-role', accountId: p.accountId, arn: p.arn, roleArn: p.role?.arn };
    case 'federated-user':
      return { kind: 'federated-user', accountId: p.accountId, arn: p.arn, sourceUserArn: p.sourceUser?.arn };
    case 'web-identity':
      return { kind: 'web-identity', federatedProvider: p.federation?.provider };
    case 'saml':
      return { kind: 'saml', federatedProvider: p.federation?.provider };
  }
}
