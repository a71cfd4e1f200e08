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
  // iam.amazonaws.com, sts.amazonaws.com, sts.<region>.amazonaws.com, ec2.<region>.amazonaws.com ...
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const svc = serviceBySigningName(label) ?? (label.startsWith('s3-') ? SERVICES.s3 : undefined);
    if (!svc) continue;
    const next = labels[i + 1];
    const hostRegion = next && REGION_RE.test(next) ? next : label.startsWith('s3-') && REGION_RE.test(label.slice(3)) ? label.slice(3) : undefined;
    if (svc.id === 's3' && i > 0) return { service: svc, hostRegion, hostBucket: labels.slice(0, i).join('.') };
    if (i === 0 || svc.id === 's3') return { service: svc, hostRegion };
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

const VERSION_RE = /(?:^|&)Version=([^&]*)/;

export function detectService(opts: {
  scopeService?: string;
  target?: string;
  rawQuery: string;
  contentType?: string;
  body: Buffer;
  host?: string;
}): DetectResult {
  const byHost = fromHost(opts.host);
  if (opts.scopeService) {
    const svc = serviceBySigningName(opts.scopeService);
    if (!svc) return { ok: false, reason: 'unserved', name: opts.scopeService };
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
