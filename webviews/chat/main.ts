/**
 * The chat view: turns (the question, the streamed markdown answer, search hits, a proposed change, the context
 * the model saw), and an input with slash-command completion. Markdown goes through markdown-it with raw HTML
 * off (escaped) and its link validation, so model output cannot inject markup into the webview.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import MarkdownIt from 'markdown-it';
import { fenceEditBlocks, ToChatWebview, type FromChatWebview, type SlashCommandView, type Turn } from '../../shared/webview/chat';
import { el, vscodeApi } from '../shared/vscode';

const vscode = vscodeApi<FromChatWebview>();
const md = new MarkdownIt({ html: false, linkify: false, breaks: false });

type Area = HTMLElement & { value: string; focus(): void };

let turns: Turn[] = [];
let commands: SlashCommandView[] = [];
const nodes = new Map<string, HTMLElement>();

const root = document.getElementById('root')!;
root.replaceChildren();
const list = el('div');
list.id = 'turns';
const footer = el('footer');
const suggest = el('ul');
suggest.id = 'suggest';
const input = document.createElement('vscode-textarea') as unknown as Area;
input.id = 'input';
input.setAttribute('rows', '3');
input.setAttribute('resize', 'vertical');
input.setAttribute('placeholder', 'Ask, or /search /edit /fix /explain /test /review /plan … @file @symbol @codebase @problems @selection');
const sendBtn = document.createElement('vscode-button');
sendBtn.id = 'send';
sendBtn.textContent = 'Send';
const stopBtn = document.createElement('vscode-button');
stopBtn.id = 'stop';
stopBtn.textContent = 'Stop';
stopBtn.setAttribute('secondary', '');
const clearBtn = document.createElement('vscode-button');
clearBtn.textContent = 'New chat';
clearBtn.setAttribute('secondary', '');
const hint = el('span', '', 'grow');
sendBtn.title = 'Enter to send, Shift+Enter for a new line';
const row = el('div', undefined, 'row');
row.append(hint, clearBtn, stopBtn, sendBtn);
footer.append(suggest, input as unknown as HTMLElement, row);
root.append(list, footer);

function button(label: string, onClick: () => void, secondary = true): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (secondary) b.setAttribute('secondary', '');
  b.addEventListener('click', onClick);
  return b;
}

/** Markdown → DOM, with a toolbar (Apply / Copy / Insert) on each fenced code block. */
function renderMarkdown(target: HTMLElement, text: string): void {
  target.innerHTML = md.render(fenceEditBlocks(text));
  for (const code of Array.from(target.querySelectorAll('pre > code'))) {
    const pre = code.parentElement!;
    const lang = /language-(\S+)/.exec(code.className)?.[1] ?? '';
    const box = el('div', undefined, 'codeblock');
    const bar = el('div', undefined, 'codebar');
    const source = code.textContent ?? '';
    bar.append(
      el('span', lang, 'lang'),
      button('Apply', () => vscode.postMessage({ type: 'code', action: 'apply', code: source, ...(lang ? { lang } : {}) })),
      button('Copy', () => vscode.postMessage({ type: 'code', action: 'copy', code: source })),
      button('Insert', () => vscode.postMessage({ type: 'code', action: 'insert', code: source })),
    );
    pre.replaceWith(box);
    box.append(bar, pre);
  }
}

function renderTurn(t: Turn): HTMLElement {
  const node = nodes.get(t.id) ?? el('div', undefined, 'turn');
  node.dataset.id = t.id;
  node.dataset.status = t.status;
  node.replaceChildren();
  node.append(el('div', t.user, 'user'));
  const answer = el('div', undefined, 'answer');
  if (t.answer) renderMarkdown(answer, t.answer);
  else if (t.status === 'streaming') answer.append(el('span', '⟳', 'spinner'), el('span', ' thinking…', 'meta'));
  node.append(answer);

  if (t.hits?.length) {
    const ul = el('ul', undefined, 'hits');
    for (const h of t.hits) {
      const li = el('li');
      li.title = `Open ${h.path}:${h.startLine}`;
      li.append(el('span', `${h.path}:${h.startLine}-${h.endLine}`, 'loc'), el('span', h.symbol ? `  ${h.symbol}` : '', 'meta'), el('pre', h.preview));
      li.addEventListener('click', () => vscode.postMessage({ type: 'openHit', path: h.path, line: h.startLine }));
      ul.append(li);
    }
    node.append(ul);
  }
  if (t.proposal) {
    const card = el('div', undefined, 'card proposal');
    const pending = t.proposal.files.filter((f) => f.state === 'pending').length;
    card.append(el('strong', `Proposed change: ${t.proposal.files.length} file(s)${pending ? `, ${pending} to review` : ', reviewed'}`));
    const ul = el('ul');
    for (const f of t.proposal.files) ul.append(el('li', `${f.path} (${f.change}) — ${f.state}`, `state-${f.state}`));
    card.append(ul);
    const actions = el('div', undefined, 'actions');
    const id = t.proposal.id;
    actions.append(button('Review', () => vscode.postMessage({ type: 'review', proposalId: id }), false));
    if (pending) {
      actions.append(
        button('Accept all', () => vscode.postMessage({ type: 'link', command: 'nootropic.review.acceptAll', args: [id] })),
        button('Reject all', () => vscode.postMessage({ type: 'link', command: 'nootropic.review.rejectAll', args: [id] })),
      );
    }
    card.append(actions);
    node.append(card);
  }
  if (t.links?.length) {
    const actions = el('div', undefined, 'row');
    for (const l of t.links) actions.append(button(l.label, () => vscode.postMessage({ type: 'link', command: l.command, ...(l.args ? { args: l.args } : {}) })));
    node.append(actions);
  }
  if (t.error) node.append(el('div', t.error, 'error'));
  if (t.status === 'stopped') node.append(el('div', 'Stopped.', 'meta'));
  if (t.context?.length) {
    const d = el('details');
    d.append(el('summary', `Context the model saw (${t.context.filter((c) => !c.dropped).length})${t.model ? ` · ${t.model}` : ''}`));
    const ul = el('ul');
    for (const c of t.context) ul.append(el('li', `${c.label}${c.detail ? `: ${c.detail}` : ''}`, c.dropped ? 'warn' : undefined));
    d.append(ul);
    node.append(d);
  }
  nodes.set(t.id, node);
  return node;
}

function nearBottom(): boolean {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 60;
}

/** The empty chat: the commands the server lists (builtins and plugin commands, the same list as the / menu). */
function welcome(): HTMLElement {
  const empty = el('div', undefined, 'empty');
  const names = el('p');
  commands.forEach((c, i) => names.append(...(i ? [' '] : []), el('code', `/${c.name}`)));
  const mentions = el('p', 'Mentions: ');
  ['@file', '@symbol:name', '@codebase', '@problems', '@selection'].forEach((m, i) => mentions.append(...(i ? [' '] : []), el('code', m)));
  empty.append(el('p', commands.length ? 'Ask about your code. Commands:' : 'Ask about your code.'), names, mentions);
  return empty;
}

function renderAll(): void {
  nodes.clear();
  list.replaceChildren();
  if (!turns.length) list.append(welcome());
  for (const t of turns) list.append(renderTurn(t));
  list.scrollTop = list.scrollHeight;
  save();
}

function save(): void {
  vscode.setState({ turns, draft: input.value ?? '' });
}

function setBusy(b: boolean): void {
  stopBtn.toggleAttribute('disabled', !b);
}

// Streaming deltas re-render at most once a frame.
const dirty = new Set<string>();
let frame = 0;
function scheduleRender(id: string): void {
  dirty.add(id);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const stick = nearBottom();
    for (const d of dirty) {
      const t = turns.find((x) => x.id === d);
      if (t) renderTurn(t);
    }
    dirty.clear();
    if (stick) list.scrollTop = list.scrollHeight;
  });
}

function send(): void {
  const text = (input.value ?? '').trim();
  if (!text) return;
  vscode.postMessage({ type: 'send', text });
  input.value = '';
  hideSuggest();
  save();
}

// Slash-command completion.
let sel = 0;
function matches(): SlashCommandView[] {
  const v = input.value ?? '';
  const m = /^\/([\w.\/-]*)$/.exec(v);
  return m ? commands.filter((c) => c.name.startsWith(m[1]!)) : [];
}
function hideSuggest(): void {
  suggest.replaceChildren();
}
function showSuggest(): void {
  const ms = matches();
  suggest.replaceChildren();
  sel = Math.min(sel, Math.max(0, ms.length - 1));
  ms.forEach((c, i) => {
    const li = el('li', undefined, i === sel ? 'sel' : undefined);
    li.append(el('span', `/${c.name}`), el('span', c.description + (c.source !== 'nootropic' ? ` (${c.source})` : ''), 'desc'));
    li.addEventListener('mousedown', (e) => {
      e.preventDefault();
      pick(c);
    });
    suggest.append(li);
  });
}
function pick(c: SlashCommandView): void {
  input.value = `/${c.name} `;
  hideSuggest();
  input.focus();
}

input.addEventListener('input', () => {
  sel = 0;
  showSuggest();
  save();
});
input.addEventListener('keydown', (e: KeyboardEvent) => {
  const ms = matches();
  if (ms.length && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
    e.preventDefault();
    sel = (sel + (e.key === 'ArrowDown' ? 1 : ms.length - 1)) % ms.length;
    showSuggest();
  } else if (ms.length && (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey && ms.length && input.value !== `/${ms[sel]!.name}`))) {
    e.preventDefault();
    pick(ms[sel]!);
  } else if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    send();
  } else if (e.key === 'Escape') hideSuggest();
});
sendBtn.addEventListener('click', send);
stopBtn.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));
clearBtn.addEventListener('click', () => vscode.postMessage({ type: 'clear' }));

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = ToChatWebview.safeParse(event.data);
  if (!parsed.success) return;
  const msg = parsed.data;
  if (msg.type === 'state') {
    turns = msg.turns;
    commands = msg.commands;
    setBusy(msg.busy);
    renderAll();
  } else if (msg.type === 'turn') {
    const i = turns.findIndex((t) => t.id === msg.turn.id);
    if (i < 0) {
      if (!turns.length) list.replaceChildren();
      turns.push(msg.turn);
      list.append(renderTurn(msg.turn));
      list.scrollTop = list.scrollHeight;
    } else {
      turns[i] = msg.turn;
      scheduleRender(msg.turn.id);
    }
    save();
  } else if (msg.type === 'delta') {
    const t = turns.find((x) => x.id === msg.id);
    if (t) {
      t.answer += msg.text;
      scheduleRender(t.id);
    }
  } else if (msg.type === 'commands') {
    commands = msg.commands;
    if (!turns.length) renderAll();
  }
  else if (msg.type === 'busy') setBusy(msg.busy);
  else if (msg.type === 'prefill') {
    input.value = msg.text;
    input.focus();
    if (msg.send) send();
  }
});

// Restore what was on screen before the view was hidden; the extension then sends the authoritative state.
const saved = vscode.getState() as { turns?: Turn[]; draft?: string } | undefined;
if (saved?.turns) {
  turns = saved.turns;
  renderAll();
} else renderAll();
if (saved?.draft) input.value = saved.draft;
setBusy(false);
vscode.postMessage({ type: 'ready' });
