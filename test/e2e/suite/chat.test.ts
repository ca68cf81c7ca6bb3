/** Chat, slash commands and the edit review, from inside the extension host, against the stand-in model. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NootropicApi } from '../../../extension/extension';

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

    it('an unknown slash command says which ones exist', async () => {
      const a = await api();
      const turn = await a.chat('/frobnicate now');
      assert.equal(turn.status, 'error');
      assert.match(turn.error ?? '', /Unknown command \/frobnicate\. Available: .*\/search/);
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
