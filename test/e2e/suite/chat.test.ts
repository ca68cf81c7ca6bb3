/** Chat, slash commands and the edit review, from inside the extension host, against the stand-in model. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NootropicApi } from '../../../extension/extension';
import { TasksGraph, TracesList } from '../../../shared/protocol';
import { spansToRuns } from '../../../shared/trace/convert';

const EXTENSION_ID = 'nootropic.nootropic';

async function api(): Promise<NootropicApi> {
  const ext = vscode.extensions.getExtension<NootropicApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  const a = ext.isActive ? ext.exports : await ext.activate();
  const deadline = Date.now() + 60_000;
  while (a.clientState() !== 'running') {
    if (Date.now() > deadline) throw new Error('the client did not reach running');
    await new Promise((r) => setTimeout(r, 200));
  }
  return a;
}

function file(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function openMath(): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('math.ts')));
}

export function registerChatTests(): void {
  describe('chat', () => {
    it('streams an answer from the configured model, with the context it used', async () => {
      const a = await api();
      await openMath();
      const turn = await a.chat('what does twice do?');
      assert.equal(turn.status, 'done', turn.error);
      assert.match(turn.answer, /You asked: _what does twice do\?_/);
      assert.equal(turn.model, 'qwen2.5-coder:7b');
      assert.ok(turn.context?.some((c) => c.label === 'open-file' && /math\.ts/.test(c.detail ?? '')), JSON.stringify(turn.context));
    });

    it('/search lists hits with paths and lines', async () => {
      const a = await api();
      const turn = await a.chat('/search twice');
      assert.equal(turn.status, 'done', turn.error);
      const hit = turn.hits?.find((h) => h.path === 'math.ts');
      assert.ok(hit, `math.ts among ${JSON.stringify(turn.hits?.map((h) => h.path))}`);
      assert.ok(hit.startLine >= 1);
    });

    it('@file and @symbol are resolved by the server into context the user can inspect', async () => {
      const a = await api();
      const turn = await a.chat('compare @file:fine.ts with @symbol:add and @file:nope.ts');
      assert.equal(turn.status, 'done', turn.error);
      const labels = (turn.context ?? []).map((c) => `${c.label} ${c.detail ?? ''}`);
      assert.ok(labels.some((l) => /fine\.ts/.test(l)), labels.join(' | '));
      assert.ok(labels.some((l) => /math\.ts:1-3/.test(l)), labels.join(' | '));
      assert.ok(labels.some((l) => /@file:nope\.ts: no such file/.test(l)), labels.join(' | '));
    });

    it('a plugin command from the capability registry runs as a slash command (/todo)', async () => {
      const a = await api();
      const turn = await a.chat('/todo');
      assert.equal(turn.status, 'done', turn.error);
      assert.match(turn.answer, /^`\/todo` \(todo, \d+ ms\):/);
      assert.match(turn.answer, /```json/);
    });

    it('an unknown slash command says which ones exist', async () => {
      const a = await api();
      const turn = await a.chat('/frobnicate now');
      assert.equal(turn.status, 'error');
      assert.match(turn.error ?? '', /unknown command \/frobnicate\. Available: .*\/search.*\/todo/i);
    });

    it('/edit proposes a change reviewed in a diff; Accept All applies it as an undoable edit', async () => {
      const a = await api();
      const editor = await openMath();
      const turn = await a.chat('/edit make add return the sum');
      if (!a.serverMethods().includes('nootropic/edit/preview')) {
        // Until the edit engine (issue 4) is merged, the chat must say so plainly.
        assert.equal(turn.status, 'error');
        assert.match(turn.error ?? '', /does not offer nootropic\/edit\/preview/);
        return;
      }
      assert.equal(turn.status, 'done', turn.error);
      assert.ok(turn.proposal, 'a proposal');
      assert.deepEqual(turn.proposal.files.map((f) => [f.path, f.state]), [['math.ts', 'pending']]);
      const diff = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.label.startsWith('math.ts: current ↔ proposed'));
      assert.ok(diff, 'the diff is open');
      await vscode.commands.executeCommand('nootropic.review.acceptAll', turn.proposal.id);
      assert.match(editor.document.getText(), /return a \+ b;/);
      assert.equal(a.proposals()[0]?.files[0]?.state, 'accepted');
      await vscode.window.showTextDocument(editor.document);
      await vscode.commands.executeCommand('undo');
      assert.match(editor.document.getText(), /return a - b;/, 'Ctrl+Z undoes the accepted change');
      await vscode.commands.executeCommand('redo');
      await editor.document.save();
    });
  });
}

async function waitUntil<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function registerPanelTests(): void {
  describe('panels and code actions', () => {
    // The panels' pixels are checked in phase B (run.mjs drives the webviews); here: they open, and the protocol
    // they read from holds what they must show.
    it('the trace viewer opens; nootropic/traces/list has the chat request with its model call (tokens, duration)', async () => {
      const a = await api();
      await a.chat('trace me');
      await vscode.commands.executeCommand('nootropic.showTraces');
      await waitUntil('a "nootropic traces" tab', 15_000, () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'nootropic traces'));
      // The viewer's own conversion of the spans, newest first: the first chat trace with a model call is this chat.
      const run = await waitUntil('the chat trace', 30_000, async () => {
        const { spans } = await a.request(TracesList, { limit: 2000 });
        return spansToRuns(spans).find((r) => r.title === 'nootropic/chat/send' && r.steps.some((s) => s.kind === 'model'));
      });
      assert.ok(run.steps.length >= 2, `steps: ${run.steps.map((s) => s.kind).join(',')}`);
      const model = run.steps.find((s) => s.kind === 'model')!;
      assert.equal(model.model, 'qwen2.5-coder:7b');
      assert.ok(model.durationMs >= 0);
      assert.ok(model.tokens?.output !== undefined, `tokens: ${JSON.stringify(model.tokens)}`);
    });

    it('the task board opens and shows the plan, or says which agent method the server lacks', async () => {
      const a = await api();
      await vscode.commands.executeCommand('nootropic.showTaskBoard');
      const tab = await waitUntil('a "nootropic tasks" tab', 15_000, () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'nootropic tasks'));
      assert.ok(tab.input instanceof vscode.TabInputWebview);
      const turn = await a.chat('/plan add a multiply function');
      if (!a.serverMethods().includes('nootropic/agent/plan')) {
        assert.equal(turn.status, 'error');
        assert.match(turn.error ?? '', /does not offer nootropic\/agent\/plan/);
        return;
      }
      assert.equal(turn.status, 'done', turn.error);
      assert.match(turn.answer, /\*\*add-multiply\*\* Add a multiply function/);
      // The board shows nootropic/tasks/graph (phase B checks its cards): the plan is there, in dependency order.
      const { graph } = await waitUntil('the plan in nootropic/tasks/graph', 15_000, async () => {
        const r = await a.request(TasksGraph, {});
        return (r.graph?.tasks.length ?? 0) >= 3 ? r : undefined;
      });
      assert.deepEqual(graph!.tasks.map((t) => [t.id, t.status]).sort(), [['add-area', 'todo'], ['add-multiply', 'todo'], ['use-multiply', 'todo']]);
      assert.ok(graph!.order.indexOf('add-multiply') < graph!.order.indexOf('use-multiply'), 'dependencies first');
    });

    it('nootropic diagnostics offer "Fix with nootropic" and "Explain this problem"; Explain answers in the chat', async () => {
      const a = await api();
      const uri = file('broken.py');
      const doc = await vscode.workspace.openTextDocument(uri);
      // Phase A's first test fixed broken.py; break it again (Python: nootropic reports its syntax errors).
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), 'import os\ndef f(:\n    return os.getcwd()\n');
      await vscode.workspace.applyEdit(edit);
      await vscode.window.showTextDocument(doc);
      const diag = await waitUntil('a nootropic diagnostic', 30_000, () => vscode.languages.getDiagnostics(uri).find((d) => d.source === 'nootropic'));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diag.range);
      const titles = actions.map((x) => x.title);
      assert.ok(titles.includes('Fix with nootropic'), titles.join(', '));
      assert.ok(titles.includes('Explain this problem'), titles.join(', '));
      const explain = actions.find((x) => x.title === 'Explain this problem')!;
      const turn = (await vscode.commands.executeCommand(explain.command!.command, ...(explain.command!.arguments ?? []))) as { status: string; answer: string; user: string };
      assert.equal(turn.status, 'done');
      assert.match(turn.user, /^\/explain the problem reported at line 2/);
      assert.match(turn.answer, /What it does/);
      assert.equal(a.lastTurn()?.user, turn.user);
    });

    it('the status bar shows the index and the model', async () => {
      const a = await api();
      // The first probe can time out on a loaded machine; the status bar re-probes an unreachable model (10 s, 20 s…).
      const text = await waitUntil(`index and a reachable model in the status bar (now "${a.activityText()}")`, 45_000, () => (/\d+ files/.test(a.activityText()) && /\$\(hubot\) qwen2\.5-coder:7b/.test(a.activityText()) ? a.activityText() : undefined));
      assert.match(text, /\$\(database\) \d+ files/);
    });
  });
}
