import { describe, expect, it } from 'vitest';
import { failures } from '../../cli/commands/doctor';
import { DoctorReport } from '../../shared/protocol';

/**
 * `nootropic doctor` exits 1 exactly when a FAIL item makes configured features unusable (README, CLI reference;
 * `failures()` in cli/commands/doctor.ts). Each row changes one thing in a healthy report, parsed with the
 * protocol's own schema, so the reports are ones a server could send.
 */
const healthy = (): DoctorReport =>
  DoctorReport.parse({
    version: '0.1.0',
    protocolVersion: '1',
    node: { version: 'v22.12.0', ok: true, required: '>=20' },
    workspace: { root: '/ws', trusted: true },
    server: { state: 'running', pid: 1, transport: 'stdio', uptimeMs: 10 },
    config: {
      sources: [
        { layer: 'defaults', status: 'loaded' },
        { layer: 'workspace', path: '/ws/.nootropic/config.yaml', status: 'loaded' },
        { layer: 'user', path: '/home/u/.config/nootropic/config.yaml', status: 'absent' },
      ],
    },
    models: [{ role: 'chat', provider: 'ollama', baseUrl: 'http://127.0.0.1:11434', model: 'qwen2.5-coder:7b', reachable: true, latencyMs: 3 }],
    tools: {
      semgrep: { available: true, detail: '1.90.0' },
      ollama: { available: true, detail: '0.5.0' },
      embedder: { available: true, detail: 'nomic-embed-text' },
      grammars: { available: true, languages: ['typescript', 'python'] },
    },
    index: { state: 'ready', files: 3, chunks: 9, skipped: 0, embedder: 'nomic-embed-text', mode: 'hybrid' },
    hardware: { platform: 'linux', arch: 'x64', totalMemoryGiB: 16, freeMemoryGiB: 8, cpu: { model: 'cpu', cores: 4, features: [] }, gpus: [], gpuProbe: 'none' },
    recommended: null,
    context: { index: 'ready', retriever: 'hybrid', detail: '3 files' },
    degraded: [],
  });

type Row = [name: string, change: (r: DoctorReport) => void, exit: 0 | 1, says?: RegExp];

const rows: Row[] = [
  ['everything available', () => {}, 0],
  ['a config file that failed to load', (r) => r.config.sources.splice(1, 1, { layer: 'workspace', path: '/ws/.nootropic/config.yaml', status: 'error', error: 'line 3: bad indentation' }), 1, /config workspace \/ws\/\.nootropic\/config\.yaml: line 3/],
  ['a config source with an error but status loaded', (r) => Object.assign(r.config.sources[1]!, { error: 'unknown key models.bogus' }), 1, /unknown key/],
  ['a grammar that failed to load', (r) => Object.assign(r.tools.grammars, { available: false, error: 'tree-sitter-python.wasm: not found' }), 1, /grammars: tree-sitter-python/],
  ['node older than required', (r) => Object.assign(r.node, { version: 'v18.19.0', ok: false }), 1, /node v18\.19\.0 is older than required >=20/],
  ['the index in error', (r) => Object.assign(r.index, { state: 'error', message: "LanceDB's native module for linux-x64 is missing" }), 1, /index: LanceDB/],
  ['the configured model unreachable', (r) => Object.assign(r.models[0]!, { reachable: false, error: 'ECONNREFUSED' }), 1, /model chat .*ECONNREFUSED/],
  ['semgrep missing (degraded)', (r) => Object.assign(r.tools.semgrep, { available: false, error: 'not on PATH' }), 0],
  ['the ollama binary missing (degraded)', (r) => Object.assign(r.tools.ollama, { available: false, error: 'not on PATH' }), 0],
  ['no embedder: search on keywords (degraded)', (r) => Object.assign(r.tools.embedder, { available: false, error: 'model not pulled' }), 0],
  ['a restricted (untrusted) workspace (degraded)', (r) => Object.assign(r.workspace, { trusted: false }), 0],
  ['no workspace, index idle, user config absent', (r) => Object.assign(r.index, { state: 'no-workspace' }), 0],
  [
    'every degraded item at once',
    (r) => {
      for (const t of [r.tools.semgrep, r.tools.ollama, r.tools.embedder]) Object.assign(t, { available: false, error: 'missing' });
      r.workspace.trusted = false;
      r.degraded = ['semgrep missing', 'ollama missing', 'embedder missing', 'restricted workspace'];
    },
    0,
  ],
];

describe('doctor exit rule: 1 for a FAIL that makes configured features unusable, 0 for degraded-only', () => {
  it.each(rows.map(([name, change, exit, says]) => ({ name, change, exit, says })))('$name → exit $exit', ({ change, exit, says }) => {
    const report = healthy();
    change(report);
    const failed = failures(DoctorReport.parse(report));
    expect(failed.length ? 1 : 0).toBe(exit);
    if (exit) {
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatch(says!);
    }
  });
});
