/**
 * Environments for child processes. Nothing nootropic starts — the tests command, semgrep, MCP servers, plugin
 * hosts, probes — inherits the server's environment: each gets an allow-list of the variables programs need to
 * run (PATH, HOME, locale, temp folders, toolchain homes), never a variable whose name looks like a credential,
 * and never a value equal to a key the server holds. Model-written test code can print its environment; there is
 * nothing in it to steal.
 *
 * The server's own environment holds no key either (`serverEnv`: the CLI hands the key over the protocol, and a
 * server started by another editor deletes NOOTROPIC_API_KEY from process.env once read — see secrets.ts), so
 * /proc/<server pid>/environ has none for a child to read.
 */

/** Names a program may need to start and find its toolchain. */
const PASSED = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'FORCE_COLOR',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'CI',
  // Windows essentials (process creation fails without SYSTEMROOT; cmd.exe needs COMSPEC).
  'SYSTEMROOT',
  'SYSTEMDRIVE',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA',
  'PROGRAMFILES',
  'PROGRAMFILES(X86)',
  // Toolchain homes, so a project's tests find their compiler or interpreter.
  'JAVA_HOME',
  'GOROOT',
  'GOPATH',
  'GOCACHE',
  'GOMODCACHE',
  'CARGO_HOME',
  'RUSTUP_HOME',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'PYENV_ROOT',
  'NVM_DIR',
  'PNPM_HOME',
  'VOLTA_HOME',
  'DOTNET_ROOT',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
]);
const PASSED_PREFIXES = ['LC_', 'XDG_'];

/** A name that looks like it holds a credential: never passed, whatever list it is on. */
export const CREDENTIAL_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE/i;

export type Env = Record<string, string | undefined>;

/** Values the server holds as secrets (the API key): a variable carrying one is dropped under any name. */
const heldSecrets = new Set<string>();
export function holdSecret(value: string | undefined): void {
  if (value && value.length >= 8) heldSecrets.add(value);
}
const carriesSecret = (v: string) => [...heldSecrets].some((s) => v.includes(s));

/**
 * The environment for a child process: the allow-list taken from `source` (default: this process), plus `extra`
 * — variables the user configured for that child explicitly (an MCP server's `env`), which pass unless they carry
 * a held secret.
 */
export function childEnv(extra: Env = {}, source: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) {
    if (v === undefined) continue;
    const upper = k.toUpperCase();
    if (!PASSED.has(upper) && !PASSED_PREFIXES.some((p) => upper.startsWith(p))) continue;
    if (CREDENTIAL_NAME.test(k) || carriesSecret(v)) continue;
    out[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && !carriesSecret(v) && k !== 'NOOTROPIC_API_KEY') out[k] = v;
  return out;
}

/**
 * The environment the CLI starts the server with: its own, less every credential-looking variable (the key goes
 * over the protocol instead). The server still needs the rest: NOOTROPIC_* settings, config paths, PATH.
 */
export function serverEnv(source: Env = process.env, extra: Env = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...extra, ...source })) if (v !== undefined && !CREDENTIAL_NAME.test(k)) out[k] = v;
  return out;
}
