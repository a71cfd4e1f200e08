/**
 * The typed request context, created once per request by the pipeline and filled as the
 * request moves through it. Handlers receive a narrower HandlerContext.
 */
import type { ReadTx, WriteTx } from '../store/types.js';
import type { SessionFacts } from '../accounts/accounts.js';

/** `web-identity` and `saml`: a caller of AssumeRoleWithWebIdentity / AssumeRoleWithSAML, known by its identity provider's proof. */
export type PrincipalType = 'root' | 'user' | 'assumed-role' | 'federated-user' | 'web-identity' | 'saml';

/** The authenticated caller. */
export interface Principal {
  type: PrincipalType;
  accountId: string;
  /** e.g. `arn:aws:iam::123456789012:user/alice`, `arn:aws:iam::123456789012:root`. */
  arn: string;
  /** AWS's unique id: `AIDA...` for a user, the account id for root, `AROA...:session` for a role session. */
  userId: string;
  /** User name, role session name, or the account id for root. */
  name: string;
  /** The access key that signed the request. */
  accessKeyId: string;
  /** Present for temporary credentials. */
  sessionToken?: string;
  /** Role sessions: the role (`arn:aws:iam::ACCT:role/path/NAME`, its name and unique id). */
  role?: { arn: string; name: string; id: string };
  /** Federated users: the IAM user who called GetFederationToken. */
  sourceUser?: { arn: string; name: string; id: string };
  /** Role sessions and federated users: session policies, tags, source identity. */
  session?: SessionFacts;
  /**
   * Web identity / SAML callers: the provider as trust policies name it (`Principal: {"Federated": ...}`:
   * the IAM provider ARN, or `accounts.google.com`...) and the claims as context keys, lower-cased
   * (`token.actions.githubusercontent.com:sub`, `saml:aud`...).
   */
  federation?: { provider: string; context: Record<string, string | string[]> };
}

export interface RequestContext {
  /** AWS-style request id (UUID v4), echoed in RequestId / x-amzn-RequestId / x-amz-request-id. */
  requestId: string;
  /** The injected clock's reading when the request arrived. */
  receivedAt: Date;
  /** Client address (for aws:SourceIp). */
  sourceIp: string;
  /** Detected service (`iam`, `sts`, `ec2`, `s3`, ...); undefined until detection. */
  service?: string;
  /** Signing region, or the service's default. */
  region: string;
  /** Operation name from the model (e.g. `CreateUser`). */
  operation?: string;
  /** The caller, once authenticated. */
  principal?: Principal;
  /** The SigV4 signing name (`iam`, `s3`...), once authenticated: what GetAccessKeyLastUsed reports. */
  signingService?: string;
  /** HTTP status finally answered (for the log line). */
  status?: number;
}

export interface HandlerContext {
  requestId: string;
  /** Current time from the injected clock: handlers never read the system clock. */
  now: Date;
  region: string;
  /** The caller's account: the account whose resources the request addresses by default. */
  accountId: string;
  principal: Principal;
  /** The request's transaction: a WriteTx for mutating operations. */
  tx: WriteTx;
  /** Read-only view, for handlers that only read. */
  readTx: ReadTx;
}
