/** The status panel: renders the doctor report the extension sends; asks for refresh / restart. */
import { FromStatusWebview, ToStatusWebview, type DoctorReport } from '../../shared/webview/status';

interface VsCodeApi {
  postMessage(message: FromStatusWebview): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function row(ok: boolean | null, name: string, detail: string): HTMLTableRowElement {
  const tr = el('tr');
  tr.append(el('td', ok === null ? '–' : ok ? '✓' : '✗', ok === null ? 'muted' : ok ? 'ok' : 'bad'), el('td', name), el('td', detail));
  return tr;
}

function section(title: string, rows: HTMLTableRowElement[]): HTMLElement {
  const s = el('section');
  const table = el('table');
  table.append(...rows);
  s.append(el('h2', title), table);
  return s;
}

function render(r: DoctorReport): void {
  root.replaceChildren();
  const header = el('header');
  header.append(el('h1', `nootropic ${r.version}`));
  const refresh = el('button', 'Refresh');
  refresh.onclick = () => vscode.postMessage({ type: 'refresh' });
  const restart = el('button', 'Restart server');
  restart.onclick = () => vscode.postMessage({ type: 'restartServer' });
  header.append(refresh, restart);
  root.append(header);
  root.append(
    el('p', r.degraded.length ? `${r.degraded.length} degraded item(s); nootropic keeps working without them.` : 'Everything available.', r.degraded.length ? 'warn' : 'ok'),
    section('Server', [
      row(r.node.ok, 'node', `${r.node.version} (needs ${r.node.required})`),
      row(r.workspace.root !== null && r.workspace.trusted, 'workspace', `${r.workspace.root ?? 'none'}${r.workspace.trusted ? '' : ' (restricted: not trusted)'}`),
      row(true, 'server', `${r.server.state}, pid ${r.server.pid}, ${r.server.transport}`),
    ]),
    section('Models', r.models.map((m) => row(m.reachable && !m.error, `${m.role}: ${m.provider}`, `${m.baseUrl} ${m.model} — ${m.reachable ? 'reachable' : 'unreachable'}${m.error ? `: ${m.error}` : ''}`))),
    section('Tools', [
      row(r.tools.semgrep.available, 'semgrep', r.tools.semgrep.detail ?? r.tools.semgrep.error ?? ''),
      row(r.tools.ollama.available, 'ollama', r.tools.ollama.available ? (r.tools.ollama.detail ?? '') : (r.tools.ollama.error ?? '')),
      row(r.tools.embedder.available, 'embedder', r.tools.embedder.detail ?? r.tools.embedder.error ?? ''),
      row(r.tools.grammars.available, 'grammars', r.tools.grammars.error ?? r.tools.grammars.languages.join(', ')),
    ]),
    section('Index', [
      row(r.index.state !== 'error', r.index.state, `${r.index.files} files, ${r.index.chunks} chunks, ${r.index.skipped} skipped; ${r.index.mode} mode (embedder: ${r.index.embedder})${r.index.message ? `: ${r.index.message}` : ''}`),
    ]),
    section('Configuration', r.config.sources.map((s) => row(s.status === 'absent' ? null : !s.error && s.status !== 'error', s.layer, [s.path, s.error ?? s.status].filter(Boolean).join(': ')))),
  );
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = ToStatusWebview.safeParse(event.data);
  if (!msg.success) return;
  if (msg.data.type === 'loading') root.replaceChildren(el('p', 'Probing…', 'muted'));
  else if (msg.data.type === 'error') root.replaceChildren(el('p', msg.data.message, 'bad'));
  else {
    vscode.setState({ report: msg.data.report });
    render(msg.data.report);
  }
});

const saved = vscode.getState() as { report?: unknown } | undefined;
const restored = saved?.report ? ToStatusWebview.safeParse({ type: 'report', report: saved.report }) : undefined;
if (restored?.success && restored.data.type === 'report') render(restored.data.report);
vscode.postMessage({ type: 'ready' });
