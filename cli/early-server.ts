/**
 * The server process, started before the CLI's own modules load. Reading and compiling the CLI (commander, the
 * protocol's zod schemas, the JSON-RPC client) takes a few hundred milliseconds of every call; the server's start
 * takes longer. bin/nootropic.js loads this small bundle (dist/cli-early.js) first: for a command that talks to the
 * server it spawns the server at once, so both load side by side, and `ServerClient.start` adopts that process
 * when it asks for the same server in the same folder. Anything this cannot read for certain from the command
 * line (an unknown option, help, a command that runs without a server) starts nothing, and the CLI spawns the
 * server as before. A process nobody adopted is killed when the CLI exits.
 *
 * The two bundles (cli-early.js, cli.js) each hold a copy of this module; the process they share is kept on
 * `globalThis` under a registered symbol.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { serverEnv } from '../shared/security/child-env';

/**
 * glibc gives each thread (LanceDB's writer threads) its own malloc arena and keeps freed memory: at 100k chunks
 * that was ~100 MB of RSS after a cold build. Fewer arenas and earlier trimming return it (bench/retrieval).
 */
export const SERVER_MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_MMAP_THRESHOLD_: '131072' };

/** Commands that start a server (cli/main.ts `withServer`); `edit` runs offline, help and version need none. */
const SERVER_COMMANDS = new Set(['ask', 'chat', 'search', 'index', 'doctor', 'models', 'check', 'traces', 'trust', 'plugins', 'run', 'plan', 'runs', 'feedback']);
/** Global options that take a value (cli/main.ts `buildProgram`). */
const VALUE_OPTIONS = new Set(['--root', '--provider', '--base-url', '--model', '--log-level']);
const FLAG_OPTIONS = new Set(['--allow-cloud', '--verbose', '--restricted']);

const KEY = Symbol.for('nootropic.cli.earlyServer');
interface Early {
  child: ChildProcess;
  serverPath: string;
  root: string;
  taken: boolean;
}
type WithEarly = typeof globalThis & { [KEY]?: Early };

/** The one way the CLI starts its server: the same arguments, environment and folder, early or not. */
export function spawnServer(serverPath: string, root: string): ChildProcess {
  const heap = `--max-old-space-size=${Number(process.env.NOOTROPIC_MAX_HEAP_MB) || 512}`;
  return spawn(process.execPath, [heap, serverPath, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // No credential-looking variable reaches the server (so none is in /proc/<pid>/environ for its children):
    // the key travels in initializationOptions.secrets, as the extension sends it.
    env: serverEnv(process.env, SERVER_MALLOC_ENV),
    cwd: root,
  });
}

/** The workspace root a command line names (`--root DIR` or `--root=DIR`, else the current folder), or undefined when it does not run a server command this can recognise. */
export function serverCommandRoot(argv: readonly string[], cwd: string): string | undefined {
  let root = cwd;
  let i = 2;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) break;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_OPTIONS.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) return undefined;
      if (name === '--root') root = path.resolve(cwd, value);
    } else if (!FLAG_OPTIONS.has(a)) return undefined;
  }
  const command = argv[i];
  if (!command || !SERVER_COMMANDS.has(command)) return undefined;
  if (argv.slice(i + 1).some((a) => a === '--help' || a === '-h')) return undefined;
  return root;
}

/** Starts the server for `argv` if it names a server command (bin/nootropic.js, before the CLI loads). */
export function startEarly(argv: readonly string[], serverPath: string): void {
  const root = serverCommandRoot(argv, process.cwd());
  const g = globalThis as WithEarly;
  if (!root || g[KEY]) return;
  let child: ChildProcess;
  try {
    child = spawnServer(serverPath, root);
  } catch {
    return; // the CLI spawns it itself and reports what fails
  }
  // A folder that does not exist fails the spawn asynchronously: the CLI then spawns again and says why.
  child.once('error', () => undefined);
  // Until it is adopted the process must not keep the CLI alive: a usage error exits at once (and kills it).
  setRef(child, false);
  const early: Early = { child, serverPath: path.resolve(serverPath), root, taken: false };
  g[KEY] = early;
  process.once('exit', () => {
    if (!early.taken) child.kill();
  });
}

/** The early server for this server and folder, if one was started and is still running; taken once. */
export function takeEarly(serverPath: string, root: string): ChildProcess | undefined {
  const early = (globalThis as WithEarly)[KEY];
  if (!early || early.taken || early.serverPath !== path.resolve(serverPath) || early.root !== path.resolve(root)) return undefined;
  const { child } = early;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return undefined;
  early.taken = true;
  setRef(child, true);
  return child;
}

/** Whether the process and its pipes keep the CLI's event loop alive. */
function setRef(child: ChildProcess, on: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as ({ ref?: () => void; unref?: () => void } | null)[]) {
    if (on) handle?.ref?.();
    else handle?.unref?.();
  }
}
