/**
 * `nootropic edit apply [FILE] EDITFILE [--json] [--dry-run]` (no FILE: the paths in EDITFILE, under --root), `nootropic edit list [--json]` and
 * `nootropic undo [ID] [--json]`. Unlike the other commands these run the edit engine in this process instead of
 * spawning the server: the engine needs no server state (no models, index or editor buffers), it is the same code
 * the server runs, and a one-shot edit then costs no server start-up. Writes, the journal and undo behave exactly as
 * they do for the agent loop.
 * Exit codes: 0 applied / undone, 1 refused (FILE byte-for-byte untouched), 2 usage.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyEdits, listChangeSets, undo, UndoError } from '../../server/src/edits';
import { printJson, table } from '../render';
import { requireReadable } from '../usage';

function rootOf(program: Command): string {
  return path.resolve(program.opts<{ root: string }>().root);
}

function readEditFile(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(path.resolve(file), 'utf8');
  } catch (err) {
    throw new CommanderError(2, 'nootropic.usage', `cannot read EDITFILE ${file}: ${(err as Error).message}`);
  }
}

export async function editApply(root: string, file: string | undefined, editFile: string, opts: { json: boolean; dryRun: boolean }): Promise<number> {
  const text = readEditFile(editFile);
  if (file === undefined) return report(await applyEdits({ root, text, dryRun: opts.dryRun, label: `nootropic edit apply ${path.basename(editFile)}` }), opts);
  const abs = path.resolve(file);
  const rel = path.relative(root, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    const reason = `${file} is outside the workspace root ${root} (run from the workspace or pass --root)`;
    if (opts.json) printJson({ applied: false, reason, diff: '' });
    process.stderr.write(`nootropic: refused: ${reason}\n`);
    return 1;
  }
  return report(await applyEdits({ root, text, targetFile: abs, dryRun: opts.dryRun, label: `nootropic edit apply ${rel.split(path.sep).join('/')}` }), opts);
}

function report(result: Awaited<ReturnType<typeof applyEdits>>, opts: { json: boolean; dryRun: boolean }): number {
  if (opts.json) {
    printJson({
      applied: result.applied,
      ...(result.reason ? { reason: result.reason } : {}),
      diff: result.diff,
      ...(result.changeSetId ? { changeSetId: result.changeSetId } : {}),
      ...(opts.dryRun ? { dryRun: true } : {}),
      ...(result.warnings ? { warnings: result.warnings } : {}),
      files: result.changes.map((c) => c.path),
    });
  }
  if (!result.applied) {
    process.stderr.write(`nootropic: refused: ${result.reason}\n`);
    return 1;
  }
  if (!opts.json) {
    process.stdout.write(result.diff);
    for (const w of result.warnings ?? []) process.stderr.write(`nootropic: note: ${w}\n`);
    if (!result.changes.length) process.stderr.write('no change: the edit leaves the file as it is\n');
    else if (opts.dryRun) process.stderr.write('dry run: nothing written\n');
    else process.stderr.write(`applied (change set ${result.changeSetId}; \`nootropic undo\` reverts it)\n`);
  }
  return 0;
}

export async function undoCommand(root: string, id: string | undefined, opts: { json: boolean }): Promise<number> {
  try {
    const r = await undo(root, id);
    if (opts.json) printJson(r);
    else process.stdout.write(`undone ${r.changeSetIds.join(', ')}: restored ${r.restored.join(', ')}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof UndoError)) throw err;
    if (opts.json) printJson({ restored: [], changeSetIds: [], reason: err.message });
    process.stderr.write(`nootropic: ${err.message}\n`);
    return 1;
  }
}

export async function editList(root: string, opts: { json: boolean }): Promise<number> {
  const sets = await listChangeSets(root);
  if (opts.json) printJson({ changeSets: sets });
  else if (!sets.length) process.stdout.write('no change sets\n');
  else
    process.stdout.write(
      table(sets.map((s) => [s.id, s.undoneAt ? 'undone' : 'applied', s.runId ?? '-', s.files.join(', '), s.label ?? ''])) + '\n',
    );
  return 0;
}

export function registerEditCommands(program: Command): void {
  const edit = program.command('edit').description('apply model-written edits exactly (or refuse, touching nothing) and list change sets');
  edit
    .command('apply')
    .description(
      'apply EDITFILE (SEARCH/REPLACE blocks, unified diffs, whole files or SYMBOL blocks) to FILE (paths inside EDITFILE ignored), ' +
        'or, without FILE, to the files it names under --root (all or nothing)',
    )
    .usage('[options] [FILE] EDITFILE')
    .argument('<file-or-editfile>', "FILE, the file to edit; alone, EDITFILE, the model's edit text ('-' reads stdin)")
    .argument('[editfile]', "EDITFILE after FILE")
    .option('--json', 'print {applied, reason?, diff, changeSetId?, files}')
    .option('--dry-run', 'show the diff, write nothing')
    .action(async (a: string, b: string | undefined, opts: { json?: boolean; dryRun?: boolean }, cmd: Command) => {
      const [file, editFile] = b === undefined ? [undefined, a] : [a, b];
      requireReadable(cmd, [editFile], 'EDITFILE');
      process.exitCode = await editApply(rootOf(program), file, editFile, { json: Boolean(opts.json), dryRun: Boolean(opts.dryRun) });
    });
  edit
    .command('list')
    .description('change sets in the undo journal (.nootropic-cache/edits/), oldest first')
    .option('--json', 'print {changeSets: [{id, runId?, label?, at, files, undoneAt?}]}')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = await editList(rootOf(program), { json: Boolean(opts.json) });
    });
  program
    .command('undo')
    .description('restore the files of the last change set, or of change set ID, or of every change set of agent run ID')
    .argument('[id]', 'a change set id or a run id')
    .option('--json', 'print {restored, changeSetIds}')
    .action(async (id: string | undefined, opts: { json?: boolean }) => {
      process.exitCode = await undoCommand(rootOf(program), id, { json: Boolean(opts.json) });
    });
}
