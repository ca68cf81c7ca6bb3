/** The task board: five columns of cards; a card opens its task, edits and trace, and runs / stops / retries it. */
import { TASK_STATUSES, type TaskStatus } from '../../shared/protocol/tasks';
import { ToBoardWebview, type BoardTask, type FromBoardWebview } from '../../shared/webview/taskboard';
import { el, vscodeApi } from '../shared/vscode';

const vscode = vscodeApi<FromBoardWebview>();
const root = document.getElementById('root')!;
const LABELS: Record<TaskStatus, string> = { todo: 'To do', in_progress: 'In progress', review: 'Review', done: 'Done', failed: 'Failed' };
const COLUMNS = TASK_STATUSES.map((s) => [s, LABELS[s]] as const);

function btn(label: string, msg: FromBoardWebview, secondary = true, disabled = false): HTMLButtonElement {
  const b = el('button', label, secondary ? 'secondary' : undefined);
  b.disabled = disabled;
  b.onclick = (e) => {
    e.stopPropagation();
    vscode.postMessage(msg);
  };
  return b;
}

function card(t: BoardTask, running: boolean, canRun: boolean): HTMLElement {
  const c = el('div', undefined, `card ${t.status}`);
  c.dataset.id = t.id;
  c.append(el('div', `${t.id}${t.estimate !== undefined ? ` · ${t.estimate}` : ''}`, 'id'));
  const title = el('div', t.title, 't');
  title.title = 'Open the task';
  title.onclick = () => vscode.postMessage({ type: 'openTask', taskId: t.id });
  c.append(title);
  if (t.lastStep) c.append(el('div', t.lastStep, 'step'));
  if (t.deps.length) c.append(el('div', `after ${t.deps.join(', ')}`, 'deps'));
  const acts = el('div', undefined, 'acts');
  if (running || t.status === 'in_progress') acts.append(btn('Stop', { type: 'stop', taskId: t.id }, false, !running));
  else if (t.status === 'failed') acts.append(btn('Retry', { type: 'retry', taskId: t.id }, false, !canRun));
  else if (t.status !== 'done') acts.append(btn('Run', { type: 'run', taskId: t.id }, false, !canRun));
  acts.append(btn('Edits', { type: 'openEdits', taskId: t.id }), btn('Trace', { type: 'openTrace', taskId: t.id }));
  c.append(acts);
  return c;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = ToBoardWebview.safeParse(event.data);
  if (!parsed.success) return;
  const msg = parsed.data;
  root.replaceChildren();
  const header = el('header');
  header.append(el('h1', msg.type === 'board' ? `Tasks: ${msg.name}` : 'Tasks'));
  if (msg.type === 'board') {
    const done = msg.tasks.filter((t) => t.status === 'done').length;
    header.append(el('span', msg.progress ? `${msg.progress.done} done · ${msg.progress.remaining} remaining · ${msg.progress.failed} failed` : `${done} of ${msg.tasks.length} done`, 'progress'));
    header.append(btn('Run all', { type: 'run' }, false, !msg.canRun || msg.running.includes('*')));
    if (msg.running.includes('*')) header.append(btn('Stop all', { type: 'stop' }));
  }
  header.append(btn('Plan…', { type: 'plan' }), btn('Refresh', { type: 'refresh' }));
  root.append(header);
  if (msg.type === 'loading') root.append(el('p', 'Loading…', 'muted'));
  else if (msg.type === 'error') root.append(el('p', msg.message, 'bad'));
  else if (msg.type === 'empty') root.append(el('p', msg.message, 'muted note'));
  else {
    if (msg.note) root.append(el('p', msg.note, 'warn note'));
    const board = el('div', undefined, 'board');
    for (const [status, label] of COLUMNS) {
      const col = el('div', undefined, 'col');
      col.dataset.status = status;
      const tasks = msg.tasks.filter((t) => t.status === status);
      const h = el('h2', label);
      h.append(el('span', String(tasks.length), 'n'));
      col.append(h, ...tasks.map((t) => card(t, msg.running.includes(t.id), msg.canRun)));
      board.append(col);
    }
    root.append(board);
  }
  vscode.setState({ seen: true });
});

vscode.postMessage({ type: 'ready' });
