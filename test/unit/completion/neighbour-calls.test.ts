import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NeighbourCalls } from '../../../server/src/completion/neighbour-calls';

describe('NeighbourCalls', () => {
  let root: string;
  let now = 0;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'nootropic-neighbours-'));
    mkdirSync(path.join(root, 'pkg'));
    const getter = (t: string) => `package pkg\n\nfunc (f *FlagSet) Get${t}(name string) (${t}, error) {\n\tval, err := f.getFlagType(name, "${t}")\n\treturn newValue(val), err\n}\n`;
    writeFileSync(path.join(root, 'pkg', 'int.go'), getter('int'));
    writeFileSync(path.join(root, 'pkg', 'bool.go'), getter('bool'));
    writeFileSync(path.join(root, 'pkg', 'string.go'), getter('string'));
    writeFileSync(path.join(root, 'pkg', 'uint16.go'), 'package pkg\n\nfunc (f *FlagSet) GetUint16(name string) {\n\tval, err := f.\n}\n');
    // Another kind of file in the folder is not a neighbour.
    writeFileSync(path.join(root, 'pkg', 'notes.md'), 'f.getFlagType(x) newValue(y) onlyInMarkdown(z) onlyInMarkdown(w)\n');
    now = 0;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('knows nothing until the folder is read, then counts the files beside the document that call each name', async () => {
    const calls = new NeighbourCalls(() => root, () => now);
    expect(calls.of('pkg/uint16.go')).toBeUndefined();
    await calls.read('pkg/uint16.go');
    const n = calls.of('pkg/uint16.go')!;
    expect(n.files).toBe(3);
    expect(n.calling('newValue')).toBe(3);
    expect(n.callingOn('f', 'getFlagType')).toBe(3);
    // On a value is not a bare call, and a receiver spelled otherwise is another receiver.
    expect(n.calling('getFlagType')).toBe(0);
    expect(n.callingOn('g', 'getFlagType')).toBe(0);
    expect(n.calling('onlyInMarkdown')).toBe(0);
    expect(n.top).toEqual(['newValue']);
  });

  it("leaves the document's own calls out of its counts", async () => {
    const calls = new NeighbourCalls(() => root, () => now);
    await calls.read('pkg/int.go');
    const n = calls.of('pkg/int.go')!;
    expect(n.files).toBe(3);
    expect(n.calling('newValue')).toBe(2);
    expect(n.callingOn('f', 'getFlagType')).toBe(2);
  });

  it('reads a folder again once its counts are five minutes old, and once at a time', async () => {
    const calls = new NeighbourCalls(() => root, () => now);
    const a = calls.read('pkg/uint16.go');
    expect(calls.read('pkg/bool.go')).toBe(a);
    await a;
    writeFileSync(path.join(root, 'pkg', 'float.go'), 'package pkg\n\nfunc x() {\n\tnewValue(1)\n}\n');
    await calls.read('pkg/uint16.go');
    expect(calls.of('pkg/uint16.go')!.calling('newValue')).toBe(3);
    now = 301_000;
    await calls.read('pkg/uint16.go');
    expect(calls.of('pkg/uint16.go')!.calling('newValue')).toBe(4);
  });

  it('follows no links, and gives a document outside the workspace no neighbours', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'nootropic-outside-'));
    try {
      writeFileSync(path.join(outside, 'secret.go'), 'package x\n\nfunc y() {\n\tfromOutside(1)\n}\n');
      symlinkSync(path.join(outside, 'secret.go'), path.join(root, 'pkg', 'linked.go'));
      const calls = new NeighbourCalls(() => root, () => now);
      await calls.read('pkg/uint16.go');
      expect(calls.of('pkg/uint16.go')!.calling('fromOutside')).toBe(0);
      expect(calls.of('pkg/uint16.go')!.files).toBe(3);
      // A file outside the workspace is known by its bare name: the workspace root is not its folder.
      writeFileSync(path.join(root, 'a.go'), 'package x\nfunc z() { newValue(1); newValue(2) }\n');
      await calls.read('elsewhere.go');
      expect(calls.of('elsewhere.go')).toMatchObject({ files: 0, top: [] });
      expect(calls.of('elsewhere.go')!.calling('newValue')).toBe(0);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
