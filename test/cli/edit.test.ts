// `nootropic edit apply` and `nootropic undo` as a user runs them (the built CLI in a subprocess).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-run';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let ws: TempWorkspace;
afterEach(() => ws?.dispose());

const SRC = 'export function add(a: number, b: number) {\r\n  return a - b;\r\n}\r\n';
const EDIT = 'some/other/path.ts\n```ts\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n```\n';

describe('nootropic edit apply / undo (CLI subprocess)', () => {
  it('applies to FILE (ignoring the path inside EDITFILE), exit 0; --dry-run writes nothing; undo restores', async () => {
    ws = tempWorkspace();
    const file = ws.write('src/math.ts', SRC);
    ws.write('edit.txt', EDIT);
    const dry = await runCli(['edit', 'apply', 'src/math.ts', 'edit.txt', '--dry-run', '--json'], { cwd: ws.root });
    expect(dry.code, dry.stderr).toBe(0);
    const dryOut = JSON.parse(dry.stdout) as { applied: boolean; diff: string; changeSetId?: string };
    expect(dryOut.applied).toBe(true);
    expect(dryOut.diff).toContain('+++ b/src/math.ts');
    expect(dryOut.changeSetId).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe(SRC);

    const r = await runCli(['edit', 'apply', 'src/math.ts', 'edit.txt'], { cwd: ws.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('-  return a - b;');
    expect(r.stderr).toMatch(/applied \(change set \S+/);
    // CRLF kept.
    expect(readFileSync(file, 'utf8')).toBe(SRC.replace('a - b', 'a + b'));
    // The undo journal's file copies stay out of git: the cache folder ignores itself, as the server's does.
    expect(readFileSync(path.join(ws.root, '.nootropic-cache', '.gitignore'), 'utf8')).toMatch(/^\*$/m);

    const list = await runCli(['edit', 'list', '--json'], { cwd: ws.root });
    expect(JSON.parse(list.stdout)).toMatchObject({ changeSets: [{ files: ['src/math.ts'], label: 'nootropic edit apply src/math.ts' }] });
    const u = await runCli(['undo', '--json'], { cwd: ws.root });
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ restored: ['src/math.ts'] });
    expect(readFileSync(file, 'utf8')).toBe(SRC);
    const again = await runCli(['undo'], { cwd: ws.root });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/nothing to undo/);
  });

  it('--root DIR EDITFILE takes the paths from the edit: several files all or nothing, a failure in the last file writes none', async () => {
    ws = tempWorkspace();
    const files: Record<string, string> = { 'src/a.ts': 'export const a = 1;\n', 'src/b.py': 'b = 2\r\n', 'lib/c.go': 'package c\n\nconst C = 3\n' };
    for (const [p, t] of Object.entries(files)) ws.write(p, t);
    const blocks = (last: string) =>
      ['src/a.ts', '<<<<<<< SEARCH', 'export const a = 1;', '=======', 'export const a = 10;', '>>>>>>> REPLACE', '',
        '```diff', '--- a/src/b.py', '+++ b/src/b.py', '@@ -1 +1 @@', '-b = 2', '+b = 20', '```', '',
        'lib/c.go', '<<<<<<< SEARCH', last, '=======', 'const C = 30', '>>>>>>> REPLACE', ''].join('\n');
    const edit = ws.write('../edit-' + path.basename(ws.root) + '.txt', blocks('const C = 4'));
    const before = Object.fromEntries(Object.keys(files).map((p) => [p, readFileSync(path.join(ws.root, p))]));
    const bad = await runCli(['edit', 'apply', '--root', ws.root, edit, '--json'], { cwd: path.dirname(ws.root) });
    expect(bad.code, bad.stderr).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ applied: false, reason: expect.stringMatching(/lib\/c\.go/) });
    for (const p of Object.keys(files)) expect(readFileSync(path.join(ws.root, p)).equals(before[p]!), p).toBe(true);
    expect(JSON.parse((await runCli(['edit', 'list', '--json', '--root', ws.root])).stdout)).toEqual({ changeSets: [] });

    writeFileSync(edit, blocks('const C = 3'));
    const good = await runCli(['edit', 'apply', '--root', ws.root, edit, '--json'], { cwd: path.dirname(ws.root) });
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ applied: true, files: ['src/a.ts', 'src/b.py', 'lib/c.go'] });
    expect(readFileSync(path.join(ws.root, 'src/b.py'), 'utf8')).toBe('b = 20\r\n');
    expect(readFileSync(path.join(ws.root, 'lib/c.go'), 'utf8')).toBe('package c\n\nconst C = 30\n');
    // Paths stay confined to DIR.
    writeFileSync(edit, '../outside.txt\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n');
    const out = await runCli(['edit', 'apply', '--root', ws.root, edit], { cwd: path.dirname(ws.root) });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/refused/);
    const u = await runCli(['undo', '--root', ws.root, '--json']);
    expect(u.code, u.stderr).toBe(0);
    for (const p of Object.keys(files)) expect(readFileSync(path.join(ws.root, p)).equals(before[p]!), p).toBe(true);
    rmSync(edit);
  });

  it('refuses with exit 1, the reason on stderr and FILE byte-for-byte untouched', async () => {
    ws = tempWorkspace();
    const original = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SRC)]);
    const file = path.join(ws.root, 'math.ts');
    writeFileSync(file, original);
    ws.write('missing.txt', '<<<<<<< SEARCH\n  return a * b;\n=======\n  return 0;\n>>>>>>> REPLACE\n');
    ws.write('breaks.txt', '<<<<<<< SEARCH\n  return a - b;\n}\n=======\n  return a + b;\n>>>>>>> REPLACE\n');
    const missing = await runCli(['edit', 'apply', 'math.ts', 'missing.txt'], { cwd: ws.root });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/refused: block 1: search text not found in math\.ts/);
    expect(readFileSync(file).equals(original)).toBe(true);
    const breaks = await runCli(['edit', 'apply', 'math.ts', 'breaks.txt', '--json'], { cwd: ws.root });
    expect(breaks.code).toBe(1);
    const out = JSON.parse(breaks.stdout) as { applied: boolean; reason: string; diff: string };
    expect(out).toMatchObject({ applied: false, diff: '' });
    expect(out.reason).toMatch(/syntax error in math\.ts at line \d+, column \d+/);
    expect(breaks.stderr).toContain(out.reason);
    expect(readFileSync(file).equals(original)).toBe(true);
    const usage = await runCli(['edit', 'apply', 'math.ts', 'nope.txt'], { cwd: ws.root });
    expect(usage.code).toBe(2);
  });
});
