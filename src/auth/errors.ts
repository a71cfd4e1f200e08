/**
 * Renders a neutral AuthFailure as the error each AWS service family answers.
 *
 * Sources (AWS answers quoted in public issue threads and AWS documentation; exact wording):
 * - IAM/STS (query): SignatureDoesNotMatch 403 "The request signature we calculated does not match
 *   the signature you provided. Check your AWS Secret Access Key and signing method. Consult the
 *   service documentation for details." (for presigned requests AWS appends "The Canonical String
 *   for this request should have been '...' The String-to-Sign should have been '...'", seen in
 *   boto/boto3#756); skew "Signature expired: 20160609T184512Z is now earlier than 20160610T013008Z
 *   (20160610T014508Z - 15 min.)" (SignatureDoesNotMatch); InvalidClientTokenId 403 "The security
 *   token included in the request is invalid."; ExpiredToken "The security token included in the
 *   request is expired"; IncompleteSignature 400; MissingAuthenticationToken 403 "Request is
 *   missing Authentication Token".
 * - EC2: AuthFailure 401 "AWS was not able to validate the provided access credentials";
 *   RequestExpired 400 "Request has expired." (clock skew and expired session credentials);
 *   an unsigned request: MissingParameter "The request must contain the parameter AWSAccessKeyId".
 * - S3: InvalidAccessKeyId 403 (+AWSAccessKeyId); SignatureDoesNotMatch 403 "... Check your key
 *   and signing method." (+AWSAccessKeyId, StringToSign, SignatureProvided, StringToSignBytes,
 *   CanonicalRequest, CanonicalRequestBytes); RequestTimeTooSkewed 403 "The difference between the
 *   request time and the current time is too large." (+RequestTime, ServerTime,
 *   MaxAllowedSkewMilliseconds 900000); expired presigned URL: AccessDenied 403 "Request has
 *   expired" (+X-Amz-Expires, Expires, ServerTime); presigned URL from the future: AccessDenied 403
 *   "Request is not yet valid" (+X-Amz-Date in epoch ms, Expires, ServerTime);
 *   XAmzContentSHA256Mismatch 400 (+ClientComputedContentSHA256, S3ComputedContentSHA256);
 *   AuthorizationHeaderMalformed 400 (+Region); AuthorizationQueryParametersError 400; SigV2 on a
 *   SigV4-only endpoint: InvalidRequest 400 "The authorization mechanism you have provided is not
 *   supported. Please use AWS4-HMAC-SHA256."; ExpiredToken 400 "The provided token has expired."
 *   and InvalidToken 400 "The provided token is malformed or otherwise invalid." (+Token-0);
 *   missing/invalid date: AccessDenied 403 "AWS authentication requires a valid Date or x-amz-date
 *   header".
 * - JSON protocols: UnrecognizedClientException 403 "The security token included in the request
 *   is invalid."; InvalidSignatureException 403 (signature, skew); IncompleteSignatureException 400;
 *   MissingAuthenticationTokenException 403 "Missing Authentication Token"; ExpiredTokenException
 *   400 "The security token included in the request is expired".
 *
 * Gaps (not verified against AWS): the exact answer of IAM/STS to an expired presigned URL
 * (rendered as SignatureDoesNotMatch "Signature expired: ..."); EC2's answer to a malformed
 * Authorization header (rendered IncompleteSignature 400); JSON services differ among themselves
 * on 400 vs 403 for some of these (DynamoDB answers 400 for most); content-sha failures outside S3.
 */
import { ServiceError } from '../gateway/errors.js';
import { AuthFailure } from './types.js';
import { SIGNATURE_MISMATCH_MESSAGE } from './sigv4.js';

export type AuthProtocolFamily = 'query' | 'ec2' | 's3' | 'json';

/** Signing names of services that speak the query protocol (IAM/STS-style error envelopes). */
const QUERY_SERVICES = new Set([
  'iam',
  'sts',
  'sqs',
  'sns',
  'monitoring',
  'autoscaling',
  'elasticloadbalancing',
  'cloudformation',
  'rds',
  'elasticache',
  'redshift',
  'elasticbeanstalk',
  'ses',
  'email',
  'sdb',
  'importexport',
]);

/** The family a service's auth errors follow, from its SigV4 signing name. */
export function authFamilyOf(service: string): AuthProtocolFamily {
  if (service === 's3') return 's3';
  if (service === 'ec2') return 'ec2';
  if (QUERY_SERVICES.has(service)) return 'query';
  return 'json';
}

const S3_SIGNATURE_MESSAGE = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';
const EC2_AUTH_FAILURE = 'AWS was not able to validate the provided access credentials';

// Constructors for the failures the pipeline raises itself (the verifier raises the rest).
export function missingAuth(): AuthFailure {
  return new AuthFailure('missing', 'Request is missing Authentication Token');
}
export function unknownAccessKey(accessKeyId: string): AuthFailure {
  return new AuthFailure('unknown-key', INVALID_TOKEN, { accessKeyId });
}
export function tokenExpired(token: string): AuthFailure {
  return new AuthFailure('token-expired', EXPIRED_TOKEN, { token });
}
export function tokenInvalid(token: string): AuthFailure {
  return new AuthFailure('token-invalid', INVALID_TOKEN, { token });
}

function bytesOf(s: string): string {
  const b = Buffer.from(s, 'utf8');
  let out = '';
  for (let i = 0; i < b.length; i++) out += (i === 0 ? '' : ' ') + b[i]!.toString(16).padStart(2, '0');
  return out;
}

function isScopeReason(reason: string | undefined): boolean {
  return reason !== undefined && reason.startsWith('scope-');
}

/** The message IAM/STS/JSON services give for a signature mismatch (with AWS's presigned appendix). */
function mismatchMessage(f: AuthFailure): string {
  const d = f.detail;
  if (isScopeReason(d['reason'])) return f.message;
  if (d['form'] === 'query' && d['canonicalRequest'] !== undefined && d['stringToSign'] !== undefined) {
    return `${SIGNATURE_MISMATCH_MESSAGE}\n\nThe Canonical String for this request should have been\n'${d['canonicalRequest']}'\n\nThe String-to-Sign should have been\n'${d['stringToSign']}'\n`;
  }
  return SIGNATURE_MISMATCH_MESSAGE;
}

/**
 * The ServiceError AWS answers for this failure on this service. `family` overrides the family
 * inferred from the signing name (pass it when the pipeline knows the service's protocol).
 */
export function authErrorFor(service: string, f: AuthFailure, family: AuthProtocolFamily = authFamilyOf(service)): ServiceError {
  switch (family) {
    case 's3':
      return s3Error(f);
    case 'ec2':
      return ec2Error(f);
    case 'query':
      return queryError(f);
    case 'json':
      return jsonError(f);
  }
}

function queryError(f: AuthFailure): ServiceError {
  switch (f.kind) {
    case 'missing':
      return new ServiceError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    case 'incomplete':
    case 'malformed-date':
      return new ServiceError('IncompleteSignature', f.message, 400);
    case 'unknown-key':
    case 'token-invalid':
      return new ServiceError('InvalidClientTokenId', INVALID_TOKEN, 403);
    case 'token-expired':
      return new ServiceError('ExpiredToken', EXPIRED_TOKEN, 403);
    case 'signature':
      return new ServiceError('SignatureDoesNotMatch', mismatchMessage(f), 403);
    case 'skew':
    case 'presign-expired':
      return new ServiceError('SignatureDoesNotMatch', f.message, 403);
    case 'content-sha':
      return new ServiceError('SignatureDoesNotMatch', SIGNATURE_MISMATCH_MESSAGE, 403);
  }
}

function jsonError(f: AuthFailure): ServiceError {
  switch (f.kind) {
    case 'missing':
      return new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    case 'incomplete':
    case 'malformed-date':
      return new ServiceError('IncompleteSignatureException', f.message, 400);
    case 'unknown-key':
    case 'token-invalid':
      return new ServiceError('UnrecognizedClientException', INVALID_TOKEN, 403);
    case 'token-expired':
      return new ServiceError('ExpiredTokenException', EXPIRED_TOKEN, 400);
    case 'signature':
      return new ServiceError('InvalidSignatureException', mismatchMessage(f), 403);
    case 'skew':
    case 'presign-expired':
      return new ServiceError('InvalidSignatureException', f.message, 403);
    case 'content-sha':
      return new ServiceError('InvalidSignatureException', SIGNATURE_MISMATCH_MESSAGE, 403);
  }
}

function ec2Error(f: AuthFailure): ServiceError {
  switch (f.kind) {
    case 'missing':
      return new ServiceError('MissingParameter', 'The request must contain the parameter AWSAccessKeyId', 400);
    case 'incomplete':
    case 'malformed-date':
      return new ServiceError('IncompleteSignature', f.message, 400);
    case 'unknown-key':
    case 'token-invalid':
    case 'content-sha':
      return new ServiceError('AuthFailure', EC2_AUTH_FAILURE, 401);
    case 'signature':
      return new ServiceError('AuthFailure', isScopeReason(f.detail['reason']) ? f.message : EC2_AUTH_FAILURE, 401);
    case 'skew':
    case 'presign-expired':
    case 'token-expired':
      return new ServiceError('RequestExpired', 'Request has expired.', 400);
  }
}

function s3MalformedCode(s3Message: string | undefined): string {
  return s3Message !== undefined && s3Message.startsWith('Error parsing') ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed';
}

function s3Error(f: AuthFailure): ServiceError {
  const d = f.detail;
  switch (f.kind) {
    case 'missing':
      return new ServiceError('AccessDenied', 'Access Denied', 403);
    case 'incomplete': {
      switch (d['reason']) {
        case 'unsupported-algorithm':
          return new ServiceError('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.', 400);
        case 'presign-params':
          return new ServiceError('AuthorizationQueryParametersError', d['s3Message'] ?? f.message, 400);
        case 'missing-content-sha':
          return new ServiceError('InvalidRequest', f.message, 400);
        case 'multiple-auth':
          return new ServiceError('InvalidArgument', f.message, 400);
        default: {
          const msg = d['s3Message'] ?? 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.';
          return new ServiceError(s3MalformedCode(d['s3Message']), msg, 400);
        }
      }
    }
    case 'malformed-date':
      return new ServiceError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header', 403);
    case 'unknown-key':
      return new ServiceError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, {
        fields: d['accessKeyId'] !== undefined ? { AWSAccessKeyId: d['accessKeyId'] } : {},
      });
    case 'token-expired':
      return new ServiceError('ExpiredToken', 'The provided token has expired.', 400, { fields: d['token'] !== undefined ? { 'Token-0': d['token'] } : {} });
    case 'token-invalid':
      return new ServiceError('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400, {
        fields: d['token'] !== undefined ? { 'Token-0': d['token'] } : {},
      });
    case 'signature': {
      if (isScopeReason(d['reason'])) {
        const fields: Record<string, string> = {};
        if (d['reason'] === 'scope-region' && d['expectedRegion'] !== undefined) fields['Region'] = d['expectedRegion'];
        return new ServiceError(s3MalformedCode(d['s3Message']), d['s3Message'] ?? f.message, 400, { fields });
      }
      const fields: Record<string, string> = {};
      if (d['accessKeyId'] !== undefined) fields['AWSAccessKeyId'] = d['accessKeyId'];
      if (d['stringToSign'] !== undefined) fields['StringToSign'] = d['stringToSign'];
      if (d['signatureProvided'] !== undefined) fields['SignatureProvided'] = d['signatureProvided'];
      if (d['stringToSign'] !== undefined) fields['StringToSignBytes'] = bytesOf(d['stringToSign']);
      if (d['canonicalRequest'] !== undefined) {
        fields['CanonicalRequest'] = d['canonicalRequest'];
        fields['CanonicalRequestBytes'] = bytesOf(d['canonicalRequest']);
      }
      return new ServiceError('SignatureDoesNotMatch', S3_SIGNATURE_MESSAGE, 403, { fields });
    }
    case 'skew':
      if (d['presigned'] === 'true') {
        return new ServiceError('AccessDenied', 'Request is not yet valid', 403, {
          fields: { 'X-Amz-Date': d['requestTimeMs'] ?? '', Expires: d['expires'] ?? '', ServerTime: d['serverTime'] ?? '' },
        });
      }
      return new ServiceError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, {
        fields: { RequestTime: d['requestTime'] ?? '', ServerTime: d['serverTime'] ?? '', MaxAllowedSkewMilliseconds: Number(d['maxSkewMs'] ?? 900000) },
      });
    case 'presign-expired':
      return new ServiceError('AccessDenied', 'Request has expired', 403, {
        fields: { 'X-Amz-Expires': d['expiresSeconds'] ?? '', Expires: d['expires'] ?? '', ServerTime: d['serverTime'] ?? '' },
      });
    case 'content-sha':
      if (d['reason'] === 'invalid-content-sha') {
        return new ServiceError('InvalidArgument', f.message, 400, { fields: { ArgumentName: 'x-amz-content-sha256', ArgumentValue: d['value'] ?? '' } });
      }
      return new ServiceError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
        fields: {
          ClientComputedContentSHA256: d['clientComputedContentSHA256'] ?? '',
          S3ComputedContentSHA256: d['s3ComputedContentSHA256'] ?? '',
        },
      });
  }
}
