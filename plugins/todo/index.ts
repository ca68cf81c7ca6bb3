/**
 * Bundled example plugin: `todo [KIND...]` lists TODO/FIXME/HACK/XXX comments in the workspace, using only the
 * plugin API's confined file access. The build compiles it to dist/plugins/todo/index.js.
 */
import type { JsonValue, PluginApi, PluginDescription } from '../api';

const KINDS = ['TODO', 'FIXME', 'HACK', 'XXX'] as const;
/** A marker inside a comment: `// TODO: x`, `# FIXME x`, `/* XXX(bob) x`, `<!-- HACK x`. */
const MARKER = /(?:\/\/|#|\/\*|\*|<!--|--|;)\s*(TODO|FIXME|HACK|XXX)\b(?:\([^)]*\))?:?\s*(.*)$/;
const MAX_FILE_BYTES = 1_000_000;

export function describe(): PluginDescription {
  return {
    name: 'todo',
    version: '1.0.0',
    capabilities: ['commands'],
    commands: [
      {
        name: 'todo',
        description: 'List TODO, FIXME, HACK and XXX comments in the workspace',
        usage: '[TODO|FIXME|HACK|XXX ...]',
      },
    ],
  };
}

export function activate(api: PluginApi): void {
  api.registerCommand('todo', async (args) => {
    const wanted = new Set(args.length ? args.map((a) => a.toUpperCase()) : KINDS);
    const unknown = [...wanted].filter((k) => !(KINDS as readonly string[]).includes(k));
    if (unknown.length) throw new Error(`unknown marker ${unknown.join(', ')}: use ${KINDS.join(', ')}`);
    const files = await api.workspace.listFiles({ maxFiles: 20_000 });
    const items: { path: string; line: number; kind: string; text: string }[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = await api.workspace.readFile(file);
      } catch (err) {
        api.log.debug('skipped unreadable file', { file, error: String(err) });
        continue;
      }
      if (text.length > MAX_FILE_BYTES || text.includes('\u0000')) continue;
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        const m = MARKER.exec(line);
        if (m && wanted.has(m[1]!)) items.push({ path: file, line: i + 1, kind: m[1]!, text: m[2]!.trim().replace(/\s*(\*\/|-->)\s*$/, '') });
      });
    }
    const counts: Record<string, number> = {};
    for (const it of items) counts[it.kind] = (counts[it.kind] ?? 0) + 1;
    const result: JsonValue = { files: files.length, count: items.length, counts, items };
    return result;
  });
}
