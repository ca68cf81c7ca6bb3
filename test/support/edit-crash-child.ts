// Child process for the journal crash tests: applies the edit in argv[3] to the workspace argv[2] and SIGKILLs
// itself at the step named in argv[4] (a real kill -9: no finally blocks, no flushing).
import { readFileSync } from 'node:fs';
import { applyEdits, type JournalHooks } from '../../server/src/edits';

const [root, editFile, step] = process.argv.slice(2) as [string, string, string];
const die = (): void => {
  process.kill(process.pid, 'SIGKILL');
};
const at = (name: string) => (i: number) => {
  if (step === `${name}:${i}`) die();
};
const hooks: JournalHooks = {
  afterJournal: () => (step === 'afterJournal' ? die() : undefined),
  afterStage: () => (step === 'afterStage' ? die() : undefined),
  beforeRename: at('beforeRename'),
  afterRename: at('afterRename'),
  beforeJournalCommit: () => (step === 'beforeJournalCommit' ? die() : undefined),
};
void applyEdits({ root, text: readFileSync(editFile, 'utf8'), label: 'crash child' }, { hooks }).then((r) => {
  process.stdout.write(JSON.stringify({ applied: r.applied, reason: r.reason }));
});
