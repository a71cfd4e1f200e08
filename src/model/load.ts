/**
 * Loads the vendored AWS API models from `models/<service>.json`, once per process.
 * Declarative corrections live in `models/patches/<service>.json` (a JSON merge patch, RFC 7386)
 * and are applied at load time; the vendored files themselves are never edited by hand.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceModel } from './types.js';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'models')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the Nimbus project root (models/ and package.json)');
}

export const PROJECT_ROOT = findRoot();
export const MODELS_DIR = join(PROJECT_ROOT, 'models');

/** Services whose models are vendored under models/. */
export const MODELLED_SERVICES = ['iam', 'sts', 'ec2', 's3', 'service-quotas', 'rbin'] as const;
export type ModelledService = (typeof MODELLED_SERVICES)[number];

const cache = new Map<string, ServiceModel>();

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete base[k];
    else base[k] = mergePatch(base[k], v);
  }
  return base;
}

export function loadModel(service: string): ServiceModel {
  let m = cache.get(service);
  if (m) return m;
  const raw = JSON.parse(readFileSync(join(MODELS_DIR, `${service}.json`), 'utf8')) as ServiceModel;
  const patchFile = join(MODELS_DIR, 'patches', `${service}.json`);
  m = existsSync(patchFile) ? (mergePatch(raw, JSON.parse(readFileSync(patchFile, 'utf8'))) as ServiceModel) : raw;
  for (const [name, op] of Object.entries(m.operations)) op.name ??= name;
  cache.set(service, m);
  return m;
}
