/**
 * Service detection, in the order AWS's own front ends make it unambiguous:
 *   1. the SigV4 credential scope's service (`.../us-east-1/iam/aws4_request`),
 *   2. the `X-Amz-Target` prefix (JSON protocols),
 *   3. the query `Version` parameter (query and EC2 protocols; lets unsigned requests be answered
 *      by the right service, e.g. with `MissingAuthenticationToken`),
 *   4. the Host header (`iam.amazonaws.com`, `sts.<region>.amazonaws.com`, `ec2.<region>.amazonaws.com`,
 *      S3 path style `s3.<domain>` and virtual-host style `<bucket>.s3.<domain>` or `<bucket>.localhost`).
 * There is no default service: an undetectable request gets a clear error.
 */
import { SERVICES, serviceBySigningName, serviceByTargetPrefix, serviceByApiVersion } from './services.js';
import type { ServiceDef } from './services.js';

export interface Detection {
  service: ServiceDef;
  /** Region named by the host, when the host names one. */
  hostRegion?: string;
  /** S3 virtual-host style: the bucket taken from the host. */
  hostBucket?: string;
  /** The scope named a service Nimbus does not serve. */
}

export type DetectResult = { ok: true; detection: Detection } | { ok: false; reason: 'unserved' | 'unknown'; name?: string };

const REGION_RE = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;

/**
 * A label naming the S3 API endpoint: `s3`, the legacy `s3-<region>` and `s3-external-1`, and
 * `s3-accelerate` / `s3-fips`. Returns the region the label itself names ('' when none); undefined
 * when it is not an S3 endpoint label (`s3-website-*`, `s3-control` and the like are other APIs).
 */
function s3EndpointLabel(label: string): string | undefined {
  if (label === 's3' || label === 's3-accelerate' || label === 's3-fips') return '';
  if (label === 's3-external-1') return 'us-east-1';
  if (label.startsWith('s3-') && REGION_RE.test(label.slice(3))) return label.slice(3);
  return undefined;
}

function fromHost(host: string | undefined): Detection | undefined {
  if (!host) return undefined;
  const h = host.replace(/:\d+$/, '').toLowerCase();
  const labels = h.split('.');
  // <bucket>.localhost (virtual-host style on a loopback name)
  if (labels.length >= 2 && labels[labels.length - 1] === 'localhost') {
    const bucket = labels.slice(0, -1).join('.');
    if (bucket === 's3') return { service: SERVICES.s3! };
    const s3Idx = labels.lastIndexOf('s3');
    if (s3Idx > 0) return { service: SERVICES.s3!, hostBucket: labels.slice(0, s3Idx).join('.') };
    return { service: SERVICES.s3!, hostBucket: bucket };
  }
  // S3: the right-most endpoint label (`s3`, `s3-<region>`, ...); the labels before it are the
  // bucket (virtual-host style), which may itself contain dots, `s3` or other services' names
  // (`iam.s3.amazonaws.com` is the bucket `iam`). A region may follow, after an optional `dualstack`.
  for (let i = labels.length - 1; i >= 0; i--) {
    const own = s3EndpointLabel(labels[i]!);
    if (own === undefined) continue;
    let j = i + 1;
    if (labels[j] === 'dualstack') j++;
    const next = labels[j];
    const hostRegion = own !== '' ? own : next !== undefined && REGION_RE.test(next) ? next : undefined;
    const d: Detection = { service: SERVICES.s3! };
    if (hostRegion !== undefined) d.hostRegion = hostRegion;
    if (i > 0) d.hostBucket = labels.slice(0, i).join('.');
    return d;
  }
  // Other services: the first label names them (iam.amazonaws.com, sts.amazonaws.com,
  // sts.<region>.amazonaws.com, ec2.<region>.amazonaws.com, servicequotas.<region>.amazonaws.com ...).
  const svc = serviceBySigningName(labels[0]!);
  if (!svc) return undefined;
  const next = labels[1];
  return next !== undefined && REGION_RE.test(next) ? { service: svc, hostRegion: next } : { service: svc };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

const VERSION_RE = /(?:^|&)Version=([^&]*)/;
const CREDENTIAL_QUERY_RE = /(?:^|&)X-Amz-Credential=([^&]*)/;
const CREDENTIAL_HEADER_RE = /Credential=([^,\s]*)/;

/**
 * The service named by a credential scope the verifier could not parse as a whole (e.g. a
 * presigned URL whose X-Amz-Expires is out of range, an Authorization header missing its
 * Signature): the request is still that service's, and gets that service's auth error.
 */
function scopeServiceHint(authorization: string | undefined, rawQuery: string): string | undefined {
  let cred: string | undefined;
  if (authorization !== undefined) cred = CREDENTIAL_HEADER_RE.exec(authorization)?.[1];
  if (cred === undefined) {
    const m = CREDENTIAL_QUERY_RE.exec(rawQuery);
    if (m) cred = safeDecode(m[1]!);
  }
  const parts = cred?.split('/');
  return parts !== undefined && parts.length === 5 && parts[3] !== '' ? parts[3] : undefined;
}

export function detectService(opts: {
  scopeService?: string;
  target?: string;
  rawQuery: string;
  contentType?: string;
  body: Buffer;
  host?: string;
  /** The Authorization header: read only when `scopeService` is not given (see scopeServiceHint). */
  authorization?: string;
}): DetectResult {
  const byHost = fromHost(opts.host);
  const scopeService = opts.scopeService ?? scopeServiceHint(opts.authorization, opts.rawQuery);
  if (scopeService) {
    const svc = serviceBySigningName(scopeService);
    if (!svc) return { ok: false, reason: 'unserved', name: scopeService };
    if (byHost && byHost.service === svc) return { ok: true, detection: byHost };
    return { ok: true, detection: { service: svc } };
  }
  if (opts.target) {
    const prefix = opts.target.split('.')[0]!;
    const svc = serviceByTargetPrefix(prefix);
    if (svc) return { ok: true, detection: { service: svc } };
    return { ok: false, reason: 'unserved', name: prefix };
  }
  let m = VERSION_RE.exec(opts.rawQuery);
  if (!m && opts.contentType?.startsWith('application/x-www-form-urlencoded') && opts.body.length < 1_000_000) {
    m = VERSION_RE.exec(opts.body.toString('latin1'));
  }
  if (m) {
    const svc = serviceByApiVersion(safeDecode(m[1]!));
    if (svc) return { ok: true, detection: byHost && byHost.service === svc ? byHost : { service: svc } };
  }
  if (byHost) return { ok: true, detection: byHost };
  return { ok: false, reason: 'unknown' };
}
