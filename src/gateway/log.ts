/** Structured logging: one JSON line per request, plus lifecycle lines. */
export interface RequestLog {
  requestId: string;
  account?: string;
  principal?: string;
  service?: string;
  operation?: string;
  status: number;
  errorCode?: string;
  latencyMs: number;
}

export interface Logger {
  request(entry: RequestLog): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return {
    request: (e) => write(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'request', ...e }) + '\n'),
    info: (msg, f) => write(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg, ...f }) + '\n'),
    error: (msg, f) => write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg, ...f }) + '\n'),
  };
}

export const silentLogger: Logger = { request: () => {}, info: () => {}, error: () => {} };
