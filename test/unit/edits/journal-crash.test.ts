// Journal first (issue 12): a real child process applies a two-file edit and kills itself (SIGKILL) at every step
// of the write. Afterwards the files and the journal must agree — the old files with no live record, or the new
// files with their record — and `undo` must restore the version before whatever is on disk.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, listChangeSets, undo } from '../../../server/src/edits';
import { REPO_ROOT, tempWorkspace, type TempWorkspace } from '../../support/paths';

let outDir: string;
let child: string;

beforeAll(async () => {
  outDir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-crash-child-'));
  child = path.join(outDir, 'child.cjs');
  await build({ entryPoints: [path.join(REPO_ROOT, 'test/support/edit-crash-child.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: child, packages: 'external', logLevel: 'error', define: { 'import.meta.url': '__meta_url' }, banner: { js: "const __meta_url = require('url').pathToFileURL(__filename).href;" } });
}, 60_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const sr = (file: string, a: string, b: string) => `${file}\n<<<<<<< SEARCH\n${a}\n=======\n${b}\n>>>>>>> REPLACE\n`;
const V0 = { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' };
const V1 = { 'a.txt': 'alpha 1\n', 'b.txt': 'beta 1\n' };
const V2 = { 'a.txt': 'alpha 2\n', 'b.txt': 'beta 2\n' };
const STEPS = ['afterJournal', 'afterStage', 'beforeRename:0', 'afterRename:0', 'afterRename:1', 'beforeJournalCommit', 'none'];

function files(ws: TempWorkspace): Record<string, string> {
  return { 'a.txt': readFileSync(path.join(ws.root, 'a.txt'), 'utf8'), 'b.txt': readFileSync(path.join(ws.root, 'b.txt'), 'utf8') };
}

describe('journal first: kill -9 at every step of a two-file edit', () => {
  for (const step of STEPS) {
    it(`killed at ${step}: files and journal agree, undo restores the version before`, async () => {
      const ws = tempWorkspace();
      try {
        ws.write('a.txt', V0['a.txt']);
        ws.write('b.txt', V0['b.txt']);
        // An older change set: a wrong recovery would make undo revert this one instead.
        const first = await applyEdits({ root: ws.root, text: [sr('a.txt', 'alpha', 'alpha 1'), sr('b.txt', 'beta', 'beta 1')].join('') });
        expect(first.applied).toBe(true);
        const edit = ws.write('edit.txt', [sr('a.txt', 'alpha 1', 'alpha 2'), sr('b.txt', 'beta 1', 'beta 2')].join(''));
        const r = spawnSync(process.execPath, [child, ws.root, edit, step], { env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') }, encoding: 'utf8', timeout: 60_000 });
        if (step === 'none') expect(r.status, r.stderr).toBe(0);
        else expect(r.signal, r.stderr).toBe('SIGKILL');

        const sets = await listChangeSets(ws.root); // runs recovery, as every list, apply and undo does
        const journalDir = path.join(ws.root, '.nootropic-cache', 'edits');
        expect(readdirSync(journalDir).filter((n) => n.includes('pending'))).toEqual([]);
        for (const n of readdirSync(journalDir)) expect(statSync(path.join(journalDir, n)).mode & 0o777).toBe(0o600);
        expect(readdirSync(ws.root).filter((n) => n.includes('nootropic-tmp'))).toEqual([]);
        const live = sets.filter((s) => !s.undoneAt && !s.notAppliedAt);
        const now = files(ws);
        if (now['a.txt'] === V2['a.txt'] || now['b.txt'] === V2['b.txt']) {
          // Applied (or rolled forward when killed between the two renames): both files new, two live sets.
          expect(now).toEqual(V2);
          expect(live).toHaveLength(2);
          await undo(ws.root);
          expect(files(ws)).toEqual(V1);
        } else {
          // Never applied: old files, the interrupted set marked not applied (or absent), one live set.
          expect(now).toEqual(V1);
          expect(live).toHaveLength(1);
          expect(['afterJournal', 'afterStage', 'beforeRename:0']).toContain(step);
          await undo(ws.root);
          expect(files(ws)).toEqual(V0);
        }
        if (['afterRename:0', 'afterRename:1', 'beforeJournalCommit', 'none'].includes(step)) expect(now).toEqual(V2);
      } finally {
        ws.dispose();
      }
    }, 60_000);
  }

  it('a pending record whose files changed by hand since is left pending and reported, never guessed', async () => {
    const ws = tempWorkspace();
    try {
      ws.write('a.txt', 'alpha\n');
      ws.write('b.txt', 'beta\n');
      const edit = ws.write('edit.txt', [sr('a.txt', 'alpha', 'alpha 2'), sr('b.txt', 'beta', 'beta 2')].join(''));
      const r = spawnSync(process.execPath, [child, ws.root, edit, 'afterRename:0'], { env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') }, encoding: 'utf8', timeout: 60_000 });
      expect(r.signal).toBe('SIGKILL');
      ws.write('b.txt', 'typed by hand\n');
      const { recoverPending } = await import('../../../server/src/edits');
      const rep = await recoverPending(ws.root);
      expect(rep.problems.join('\n')).toMatch(/b\.txt changed since; left pending/);
      expect(files(ws)).toEqual({ 'a.txt': 'alpha 2\n', 'b.txt': 'typed by hand\n' });
    } finally {
      ws.dispose();
    }
  }, 60_000);
});
