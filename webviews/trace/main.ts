/**
 * The trace viewer: runs on the left; the selected run's steps as a timeline (bars on one time axis), with
 * kind filters, a text filter, "failed only", sort by time or duration, and the slowest / first failing step
 * one click away. A step opens to show its prompt, response, rationale, tokens and attributes.
 */
import { ToTraceWebview, type FromTraceWebview, type TraceRun, type TraceRunSummary, type TraceStep } from '../../shared/webview/trace';
import { el, vscodeApi } from '../shared/vscode';

const vscode = vscodeApi<FromTraceWebview>();
const root = document.getElementById('root')!;

interface ViewState {
  selected?: string;
  hidden: string[];
  query: string;
  failedOnly: boolean;
  sort: 'time' | 'duration';
}
const saved = (vscode.getState() as Partial<ViewState> | undefined) ?? {};
const view: ViewState = { hidden: saved.hidden ?? [], query: saved.query ?? '', failedOnly: saved.failedOnly ?? false, sort: saved.sort ?? 'time', ...(saved.selected ? { selected: saved.selected } : {}) };
let runs: TraceRunSummary[] = [];
let notes: string[] = [];
let run: TraceRun | undefined;
let open = new Set<string>();

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const save = () => vscode.setState(view);

function renderShell(): { list: HTMLElement; main: HTMLElement } {
  root.replaceChildren();
  const header = el('header');
  header.append(el('h1', 'Traces'));
  const refresh = el('button', 'Refresh');
  refresh.onclick = () => vscode.postMessage({ type: 'refresh' });
  header.append(refresh);
  for (const n of notes) header.append(el('span', n, 'muted'));
  const layout = el('div', undefined, 'layout');
  const list = el('ul', undefined, 'runs');
  const main = el('div');
  main.id = 'timeline';
  layout.append(list, main);
  root.append(header, layout);
  return { list, main };
}

function renderRuns(list: HTMLElement): void {
  if (!runs.length) list.append(el('li', 'No runs or traces yet. Ask something in the chat, or run an agent.', 'muted'));
  for (const r of runs) {
    const li = el('li', undefined, r.id === view.selected ? 'sel' : undefined);
    li.dataset.id = r.id;
    li.append(el('div', r.title), el('div', `${r.source === 'run' ? 'agent run' : 'trace'} · ${new Date(r.startedAt).toLocaleTimeString()} · ${fmt(r.durationMs)} · ${r.stepCount} steps${r.failed ? ` · ${r.failed} failed` : ''}`, `sub ${r.failed || /fail/.test(r.status) ? 'bad' : ''}`));
    li.onclick = () => {
      view.selected = r.id;
      open = new Set();
      save();
      vscode.postMessage({ type: 'select', id: r.id });
      render();
    };
    list.append(li);
  }
}

function visible(r: TraceRun): TraceStep[] {
  const q = view.query.toLowerCase();
  let steps = r.steps.filter((s) => !view.hidden.includes(s.kind) && (!view.failedOnly || s.status === 'error'));
  if (q) steps = steps.filter((s) => `${s.title} ${s.kind} ${s.model ?? ''} ${s.rationale ?? ''} ${s.error ?? ''}`.toLowerCase().includes(q));
  if (view.sort === 'duration') steps = [...steps].sort((a, b) => b.durationMs - a.durationMs);
  return steps;
}

function detailRow(s: TraceStep): HTMLTableRowElement {
  const tr = el('tr', undefined, 'detail');
  const td = el('td');
  td.colSpan = 5;
  const box = el('div', undefined, 'detail');
  const section = (title: string, body: string | undefined) => {
    if (!body) return;
    box.append(el('h4', title), el('pre', body));
  };
  section('Error', s.error);
  section('Rationale', s.rationale);
  if (s.tokens) section('Tokens', `input ${s.tokens.input ?? '?'} · output ${s.tokens.output ?? '?'}${s.model ? ` · ${s.model}` : ''}`);
  section('Prompt', s.prompt);
  section('Response', s.response);
  const attrs = Object.entries(s.detail ?? {});
  if (attrs.length) section('Details', attrs.map(([k, v]) => `${k}: ${v}`).join('\n'));
  td.append(box);
  tr.append(td);
  return tr;
}

function renderRun(main: HTMLElement): void {
  if (!run) {
    main.append(el('p', runs.length ? 'Select a run.' : '', 'muted'));
    return;
  }
  const r = run;
  const kinds = [...new Set(r.steps.map((s) => s.kind))].sort();
  const filters = el('div', undefined, 'filters');
  for (const k of kinds) {
    const chip = el('span', `${k} (${r.steps.filter((s) => s.kind === k).length})`, `chip ${view.hidden.includes(k) ? '' : 'on'}`);
    chip.dataset.kind = k;
    chip.onclick = () => {
      view.hidden = view.hidden.includes(k) ? view.hidden.filter((x) => x !== k) : [...view.hidden, k];
      save();
      render();
    };
    filters.append(chip);
  }
  const failed = el('span', 'failed only', `chip ${view.failedOnly ? 'on' : ''}`);
  failed.onclick = () => {
    view.failedOnly = !view.failedOnly;
    save();
    render();
  };
  const sort = el('span', view.sort === 'time' ? 'sort: time' : 'sort: slowest first', 'chip on');
  sort.id = 'sort';
  sort.onclick = () => {
    view.sort = view.sort === 'time' ? 'duration' : 'time';
    save();
    render();
  };
  const search = el('input');
  search.type = 'search';
  search.placeholder = 'filter steps…';
  search.value = view.query;
  search.oninput = () => {
    view.query = search.value;
    save();
    renderTable();
  };
  filters.append(failed, sort, search);

  const slowest = [...r.steps].sort((a, b) => b.durationMs - a.durationMs)[0];
  const firstFail = r.steps.find((s) => s.status === 'error');
  const tokens = r.steps.reduce((n, s) => n + (s.tokens?.input ?? 0) + (s.tokens?.output ?? 0), 0);
  const summary = el('div', undefined, 'summary');
  summary.append(el('strong', r.title), el('span', `${r.status} · ${fmt(r.durationMs)} · ${r.steps.length} steps${tokens ? ` · ${tokens} tokens` : ''}`));
  const jump = (label: string, s: TraceStep | undefined, cls: string) => {
    if (!s) return;
    const a = el('a', `${label}: ${s.title} (${fmt(s.durationMs)})`, cls);
    a.onclick = () => {
      open.add(s.id);
      renderTable();
      document.getElementById(`step-${s.id}`)?.scrollIntoView({ block: 'center' });
    };
    summary.append(a);
  };
  jump('Slowest', slowest, 'slowest');
  jump('First failure', firstFail, 'bad first-failure');

  const table = el('table', undefined, 'steps');
  main.append(summary, filters, table);
  const slowIds = new Set([...r.steps].sort((a, b) => b.durationMs - a.durationMs).slice(0, Math.max(1, Math.ceil(r.steps.length / 10))).map((s) => s.id));
  const total = Math.max(1, r.durationMs);

  function renderTable(): void {
    table.replaceChildren();
    const steps = visible(r);
    if (!steps.length) {
      const tr = el('tr');
      tr.append(el('td', 'No step matches the filters.', 'muted'));
      table.append(tr);
    }
    for (const s of steps) {
      const tr = el('tr', undefined, `step ${s.status === 'error' ? 'error' : ''} ${slowIds.has(s.id) ? 'slow' : ''} ${open.has(s.id) ? 'open' : ''}`);
      tr.id = `step-${s.id}`;
      tr.dataset.kind = s.kind;
      const icon = s.status === 'error' ? '✗' : s.status === 'running' ? '…' : '✓';
      const title = el('td', undefined, 'title');
      title.style.paddingLeft = `${6 + s.depth * 12}px`;
      title.append(el('span', `${icon} `, s.status === 'error' ? 'bad' : 'ok'), el('span', s.kind, 'kind'), document.createTextNode(` ${s.title}`));
      const bar = el('td', undefined, 'bar');
      const track = el('div', undefined, 'track');
      const fill = el('div', undefined, 'fill');
      fill.style.left = `${(100 * s.offsetMs) / total}%`;
      fill.style.width = `${Math.max(0.3, (100 * s.durationMs) / total)}%`;
      track.append(fill);
      bar.append(track);
      tr.append(title, el('td', fmt(s.durationMs), 'dur'), el('td', s.tokens ? `${s.tokens.input ?? '?'}→${s.tokens.output ?? '?'} tok` : '', 'muted'), bar, el('td', `+${fmt(s.offsetMs)}`, 'muted'));
      tr.onclick = () => {
        if (open.has(s.id)) open.delete(s.id);
        else open.add(s.id);
        renderTable();
      };
      table.append(tr);
      if (open.has(s.id)) table.append(detailRow(s));
    }
  }
  renderTable();
}

function render(): void {
  const { list, main } = renderShell();
  renderRuns(list);
  renderRun(main);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = ToTraceWebview.safeParse(event.data);
  if (!parsed.success) return;
  const msg = parsed.data;
  if (msg.type === 'loading') root.replaceChildren(el('p', 'Loading…', 'muted'));
  else if (msg.type === 'error') root.replaceChildren(el('p', msg.message, 'bad'));
  else if (msg.type === 'runs') {
    runs = msg.runs;
    notes = msg.notes;
    if (msg.selected) view.selected = msg.selected;
    save();
    render();
  } else {
    if (run?.id !== msg.run.id) open = new Set();
    run = msg.run;
    view.selected = run.id;
    save();
    render();
  }
});

vscode.postMessage({ type: 'ready', ...(view.selected ? { selected: view.selected } : {}) });
