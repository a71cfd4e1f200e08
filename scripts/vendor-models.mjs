#!/usr/bin/env node
// Vendors AWS API models from a botocore data directory into models/<service>.json.
//
// Source: botocore's `data/<service>/<version>/service-2.json.gz` (Apache-2.0, see models/NOTICE).
// Trimming: documentation strings, documentation URLs and examples are dropped; every other
// field (shapes, constraints, error codes, HTTP bindings, XML names, protocol metadata) is kept.
//
// Usage: node scripts/vendor-models.mjs /path/to/botocore/data
// Development-time only: nothing at build or run time needs Python or botocore.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVICES = ['iam', 'sts', 'ec2', 's3', 'service-quotas', 'rbin'];
const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: vendor-models.mjs <botocore data dir>');
  process.exit(2);
}
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');

function trim(node) {
  if (Array.isArray(node)) return node.map(trim);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'documentation' || k === 'documentationUrl' || k === 'deprecatedMessage') && typeof v === 'string') continue;
      if (k === 'examples' && typeof v === 'object') continue;
      out[k] = trim(v);
    }
    return out;
  }
  return node;
}

for (const svc of SERVICES) {
  const versions = readdirSync(join(dataDir, svc)).filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v)).sort();
  const version = versions[versions.length - 1];
  const file = join(dataDir, svc, version, 'service-2.json.gz');
  const model = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
  const trimmed = trim(model);
  writeFileSync(join(outDir, `${svc}.json`), JSON.stringify(trimmed) + '\n');
  console.log(`${svc} ${version}: ${Object.keys(trimmed.operations).length} operations, ${Object.keys(trimmed.shapes).length} shapes`);
}
