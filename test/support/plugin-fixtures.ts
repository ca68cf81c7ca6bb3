/**
 * Workspace plugins for tests, written as real folders under <root>/.nootropic/plugins/<name>/: a package.json
 * and a CommonJS module, exactly what a user would write. A workspace plugin runs only once the user approved its
 * exact content, so by default the fixture records that approval (in the test run's NOOTROPIC_STATE_DIR, as
 * `nootropic plugins approve` would) before writing the files; `approve: false` plants an unapproved one.
 */
import { approvePlugins } from '../../server/src/config/user-state';
import { hashPluginFiles } from '../../server/src/plugins/content-hash';
import type { TempWorkspace } from './paths';

export interface FixtureOptions {
  apiVersion?: string;
  capabilities?: string[];
  version?: string;
  /** Record the user's approval of exactly these files (default true). */
  approve?: boolean;
}

/** Writes a plugin whose index.js is `body` (CommonJS; must define describe and activate). */
export function writePlugin(ws: TempWorkspace, name: string, body: string, opts: FixtureOptions = {}): string {
  const manifest = JSON.stringify({
    name,
    version: opts.version ?? '0.1.0',
    main: 'index.js',
    nootropic: { apiVersion: opts.apiVersion ?? '^1.0.0', capabilities: opts.capabilities ?? ['commands'] },
  });
  // Approved before the files land, so a hot reload never sees approved-looking files without their approval.
  if (opts.approve ?? true) approvePlugins(ws.root, [{ name, hash: hashPluginFiles([['index.js', body], ['package.json', manifest]]) }]);
  // The module first, the manifest last: a hot reload that sees the new manifest also sees the new code.
  const main = ws.write(`.nootropic/plugins/${name}/index.js`, body);
  ws.write(`.nootropic/plugins/${name}/package.json`, manifest);
  return main;
}

/** A plugin with one command per entry of `commands` (name → JS function source taking args). */
export function commandPlugin(ws: TempWorkspace, name: string, commands: Record<string, string>, opts: FixtureOptions = {}): string {
  const describe = JSON.stringify({ name, version: opts.version ?? '0.1.0', commands: Object.keys(commands).map((c) => ({ name: c, description: `${c} command` })) });
  const registrations = Object.entries(commands)
    .map(([c, fn]) => `  api.registerCommand(${JSON.stringify(c)}, ${fn});`)
    .join('\n');
  return writePlugin(ws, name, `exports.describe = () => (${describe});\nexports.activate = (api) => {\n${registrations}\n};\n`, opts);
}

export const GOOD = (ws: TempWorkspace, name = 'good') => commandPlugin(ws, name, { hello: 'async (args) => `hello ${args.join(" ") || "world"}`' });

export const THROWS_IN_ACTIVATE = (ws: TempWorkspace, name = 'throws') =>
  writePlugin(ws, name, `exports.describe = () => ({ name: ${JSON.stringify(name)}, version: '0.1.0' });\nexports.activate = () => { throw new Error('boom in activate'); };\n`);

export const EXITS_IN_ACTIVATE = (ws: TempWorkspace, name = 'exits') =>
  writePlugin(ws, name, `exports.describe = () => ({ name: ${JSON.stringify(name)}, version: '0.1.0' });\nexports.activate = () => { process.exit(3); };\n`);

export const HANGS_IN_ACTIVATE = (ws: TempWorkspace, name = 'hangs') =>
  writePlugin(ws, name, `exports.describe = () => ({ name: ${JSON.stringify(name)}, version: '0.1.0' });\nexports.activate = () => { for (;;) {} };\n`);
