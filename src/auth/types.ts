/**
 * The SigV4 verifier's contract. The verifier is pure crypto and parsing: it never touches the
 * store; the pipeline resolves access keys and hands secrets in.
 */

/** The request as the verifier sees it. */
export interface SignedRequest {
  method: string;
  /** Raw path as sent on the wire (percent-encoded), without the query string. */
  path: string;
  /** Raw query string without the leading `?`. */
  rawQuery: string;
  /** Lower-cased header names. Repeated headers joined with `,`. */
  headers: Record<string, string>;
}

/** What the Authorization header (or presigned query) says, before any secret is known. */
export interface AuthInfo {
  form: 'header' | 'query';
  accessKeyId: string;
  /** Credential scope parts. */
  date: string; // YYYYMMDD
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date (or Date header) parsed. */
  requestTime: Date;
  /** Presigned only: X-Amz-Expires seconds. */
  expiresSeconds?: number;
  /** X-Amz-Security-Token, if any. */
  sessionToken?: string;
  /** x-amz-content-sha256 value (header form) or UNSIGNED-PAYLOAD (query form default). */
  contentSha256?: string;
}

/** Neutral failure kinds; src/auth/errors.ts renders them per service as AWS does. */
export type AuthFailureKind =
  | 'missing' // no credentials at all
  | 'incomplete' // Authorization header present but malformed / missing parts
  | 'unknown-key' // access key id not known
  | 'signature' // signature mismatch
  | 'skew' // request time too far from server time (15 minutes)
  | 'presign-expired' // presigned URL past its X-Amz-Expires
  | 'token-expired' // temporary credentials expired
  | 'token-invalid' // session token missing/wrong for an ASIA key
  | 'content-sha' // x-amz-content-sha256 does not match the body / malformed chunked body
  | 'malformed-date'; // X-Amz-Date unparsable

export class AuthFailure extends Error {
  constructor(
    readonly kind: AuthFailureKind,
    message: string,
    readonly detail: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AuthFailure';
  }
}
