/**
 * Writes an AWS CLI/SDK profile (shared config + credentials files) that points at Nimbus.
 * Only the named section is replaced; the rest of each file (other profiles, comments) is kept.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';

export function upsertIniSection(text: string, section: string, values: Record<string, string>): string {
  const lines = text.length ? text.replace(/\r\n/g, '\n').split('\n') : [];
  const header = `[${section}]`;
  const body = Object.entries(values).map(([k, v]) => `${k} = ${v}`);
  const start = lines.findIndex((l) => l.trim() === header);
  if (start < 0) {
    while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
    if (lines.length) lines.push('');
    return [...lines, header, ...body, ''].join('\n');
  }
  let end = start + 1;
  while (end < lines.length && !/^\s*\[/.test(lines[end]!)) end++;
  // keep blank lines that separated this section from the next one
  let keepFrom = end;
  while (keepFrom > start + 1 && lines[keepFrom - 1]!.trim() === '') keepFrom--;
  return [...lines.slice(0, start), header, ...body, ...lines.slice(keepFrom)].join('\n');
}

export interface ProfileSpec {
  profile: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  endpointUrl: string;
}

export function awsConfigPaths(env: NodeJS.ProcessEnv = process.env): { config: string; credentials: string } {
  return {
    config: env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'),
  };
}

export function writeProfile(spec: ProfileSpec, env: NodeJS.ProcessEnv = process.env): { config: string; credentials: string } {
  const paths = awsConfigPaths(env);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const configSection = spec.profile === 'default' ? 'default' : `profile ${spec.profile}`;
  for (const f of [paths.config, paths.credentials]) mkdirSync(dirname(f), { recursive: true });
  writeFileSync(
    paths.config,
    upsertIniSection(read(paths.config), configSection, { region: spec.region, output: 'json', endpoint_url: spec.endpointUrl }),
  );
  writeFileSync(
    paths.credentials,
    upsertIniSection(read(paths.credentials), spec.profile, {
      aws_access_key_id: spec.accessKeyId,
      aws_secret_access_key: spec.secretAccessKey,
    }),
    { mode: 0o600 },
  );
  return paths;
}
