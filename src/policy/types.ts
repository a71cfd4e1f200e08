/**
 * The policy engine's shared types. The engine is a pure library: no I/O, no clock of its own,
 * no exceptions during evaluation (a decision value comes out). Parsing/validation may fail with a
 * PolicyProblem value (rendered by callers as MalformedPolicyDocument).
 *
 * Layout:
 *   document.ts   parse + validate JSON policy documents (AWS's MalformedPolicyDocument rules)
 *   compile.ts    compile statements once (matchers for Action/Resource/Principal, conditions)
 *   variables.ts  ${...} policy variables (Version 2012-10-17 only)
 *   conditions/   one file per operator family, registered in one map; qualifiers IfExists,
 *                 ForAllValues:, ForAnyValue: applied generically
 *   evaluate.ts   one policy against one request -> matching Allow/Deny statements
 *   decide.ts     the full decision across policy types (explicit deny, SCP/RCP, resource,
 *                 identity, boundary, session, cross-account, root)
 *   messages.ts   denial messages as AWS renders them
 */

/** Where a policy is attached; decides validation rules and its role in the decision. */
export type PolicyType =
  | 'identity' // user/group/role inline or managed policy
  | 'resource' // bucket policy, role trust policy, ... (Principal required)
  | 'trust' // role trust (assume-role) policy: a resource policy with extra rules
  | 'boundary' // permissions boundary (a managed policy used as a boundary)
  | 'session' // session policy passed to AssumeRole / GetFederationToken
  | 'scp'
  | 'rcp';

export type PolicyVersion = '2012-10-17' | '2008-10-17';

/** A validation failure: what AWS reports as MalformedPolicyDocument (or LimitExceeded for size). */
export interface PolicyProblem {
  code: 'MalformedPolicyDocument' | 'LimitExceeded';
  message: string;
}

/**
 * The request context's condition keys. Keys are looked up case-insensitively: implementations
 * store them lower-cased. A missing key is `undefined`; a multivalued key is an array (possibly
 * empty). Values are strings as AWS renders them (booleans `true`/`false`, numbers in decimal,
 * dates ISO 8601).
 */
export interface ContextKeys {
  get(key: string): readonly string[] | undefined;
  /** Whether the key is multivalued (ArrayOf... in the Service Authorization Reference). */
  isMulti(key: string): boolean;
}

/** The caller, as resource-based policies' Principal/NotPrincipal see it. */
export interface CallerPrincipal {
  kind: 'root' | 'user' | 'assumed-role' | 'federated-user' | 'service' | 'anonymous' | 'web-identity' | 'saml';
  accountId?: string;
  /** The principal's own ARN: user ARN, `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`, root ARN... */
  arn?: string;
  /** For role sessions: the role's ARN (`arn:aws:iam::ACCT:role/path/ROLE`). */
  roleArn?: string;
  /** For federated users: the IAM user who called GetFederationToken. */
  sourceUserArn?: string;
  /** For a service principal: `ec2.amazonaws.com`. */
  service?: string;
  /** For web identity / SAML: the provider (`accounts.google.com`, SAML provider ARN). */
  federatedProvider?: string;
  /** S3 canonical user id of the account, if known. */
  canonicalUserId?: string;
}

/** One request to authorize against one policy. */
export interface AuthzRequest {
  /** `service:Action`, e.g. `iam:GetUser` (case as AWS documents it). */
  action: string;
  /** The resource ARN (`*` for actions without a resource type). */
  resource: string;
  principal: CallerPrincipal;
  context: ContextKeys;
}

/** Where a matched statement sits, for audit and the simulator's MatchedStatements. */
export interface StatementRef {
  /** The policy's id: its ARN for managed policies, `user/alice/inline-name` style for inline ones. */
  policyId: string;
  policyType: PolicyType;
  /** 0-based index of the statement in the document. */
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Line/column positions in the original document (simulator's StartPosition/EndPosition). */
  start?: { line: number; column: number };
  end?: { line: number; column: number };
}

/** Result of evaluating one policy against one request. */
export interface PolicyResult {
  /** Matching Allow statements. */
  allows: StatementRef[];
  /** Matching Deny statements. */
  denies: StatementRef[];
  /** Context keys the policy's conditions needed but the request lacked (simulator's MissingContextValues). */
  missingKeys: string[];
}
