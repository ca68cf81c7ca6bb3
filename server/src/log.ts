/**
 * Structured logs: one JSON object per line on stderr. stdout belongs to the protocol (stdio transport), and
 * editors show a server's stderr in their log/output panes, so this is where a person looks.
 */
import { LOG_LEVELS, type LogLevel } from '../../shared/config/schema';
import { redactText, redactValue } from './security/redact';

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  setLevel(level: LogLevel): void;
  child(scope: string): Logger;
}

export type LogSink = (line: string) => void;

function redact(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? redactValue(k, { message: v.message, stack: v.stack }) : redactValue(k, v);
  return out;
}

export function createLogger(
  sink: LogSink = (line) => process.stderr.write(line + '\n'),
  level: LogLevel = 'info',
  scope = 'server',
): Logger {
  const state = { level };
  const make = (name: string): Logger => {
    const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (LOG_LEVELS.indexOf(lvl) > LOG_LEVELS.indexOf(state.level)) return;
      try {
        // Known secret values are scrubbed wherever they appear (an error message quoting a header, a URL).
        sink(redactText(JSON.stringify({ time: new Date().toISOString(), level: lvl, scope: name, msg: redactValue('msg', msg), ...redact(fields) })));
      } catch {
        // A log line must never take the server down (e.g. a circular field).
        sink(redactText(JSON.stringify({ time: new Date().toISOString(), level: lvl, scope: name, msg })));
      }
    };
    return {
      error: (m, f) => emit('error', m, f),
      warn: (m, f) => emit('warn', m, f),
      info: (m, f) => emit('info', m, f),
      debug: (m, f) => emit('debug', m, f),
      setLevel: (l) => {
        state.level = l;
      },
      child: (s) => make(`${name}.${s}`),
    };
  };
  return make(scope);
}
