/**
 * Owns every plugin: discovers them, decides which may run (trust, the user's approval of a workspace plugin's
 * exact content, config, name clashes), activates each in
 * its own isolate, keeps its state and reason, and routes commands. Operations are serialized, so a hot
 * reload and a `plugins/reload` never race each other.
 */
import path from 'node:path';
import type { JsonValue } from '../../../plugins/api';
import type { CommandDescription, Registration } from '../../../shared/plugins/manifest';
import type { PluginInfo } from '../../../shared/protocol/plugins';
import type { Logger } from '../log';
import { PLUGIN_API_VERSION } from './api-version';
import { pluginContentHash } from './content-hash';
import { discover, discoverOne, workspacePluginsDir, type Candidate } from './discover';
import { PluginIsolate } from './isolate';

export interface PluginSettings {
  enabled: boolean;
  disabled: string[];
  activateTimeoutMs: number;
  commandTimeoutMs: number;
  memoryLimitMb: number;
}

export class PluginRunError extends Error {
  constructor(
    readonly kind: 'unknown-command' | 'unavailable' | 'command-failed',
    message: string,
  ) {
    super(message);
  }
}

interface Entry {
  info: PluginInfo;
  isolate: PluginIsolate | null;
}

export const RESTRICTED_REASON = 'the workspace is not trusted (restricted mode): workspace plugins are not loaded';

/** Plugin name → approved content hash, for the workspace at `root` (per-user state, outside the workspace). */
export type PluginApprovalLookup = (root: string) => Record<string, { hash: string }>;

export function notApprovedReason(name: string, approval: 'new' | 'changed'): string {
  const why = approval === 'new' ? 'new' : 'content changed since it was approved';
  return `not approved (${why}): review its code, then run \`nootropic plugins approve ${name}\` (or \`nootropic trust --yes\`)`;
}

/** The first host starts a moment after a load begins, behind the requests that come with start-up. */
const FIRST_START_DELAY_MS = 100;

export class PluginManager {
  private entries: Entry[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private root: string | null = null;
  private trusted = true;
  /** name:hash pairs already logged as not approved, so a reload does not repeat the warning. */
  private readonly warnedUnapproved = new Set<string>();
  private settings: PluginSettings = { enabled: true, disabled: [], activateTimeoutMs: 5_000, commandTimeoutMs: 30_000, memoryLimitMb: 256 };
  /** Called after every change of any plugin's state. */
  onChange: () => void = () => {};

  constructor(
    private readonly opts: { log: Logger; hostScript: string; bundledDir: string; approvals: PluginApprovalLookup },
  ) {}

  configure(root: string | null, trusted: boolean, settings: PluginSettings): void {
    this.root = root;
    this.trusted = trusted;
    this.settings = settings;
  }

  get workspaceTrusted(): boolean {
    return this.trusted;
  }

  /** Resolves when every queued load has finished. */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  list(): PluginInfo[] {
    return this.entries.map((e) => structuredClone(e.info));
  }

  reloadAll(): Promise<void> {
    return this.enqueue(() => this.loadAll());
  }

  /** Hot reload of one workspace plugin folder; anything that changes names reloads everything. */
  reloadFolder(dir: string): Promise<void> {
    return this.enqueue(async () => {
      const old = this.entries.find((e) => e.info.dir === dir);
      const candidate = await discoverOne('workspace', dir);
      const name = candidate ? (candidate.ok ? candidate.manifest.name : candidate.name) : null;
      if (!old || !candidate || old.info.name !== name) return this.loadAll();
      await old.isolate?.stop();
      const fresh = this.admit(candidate, this.entries.filter((e) => e !== old));
      this.entries[this.entries.indexOf(old)] = fresh;
      await this.start(fresh, candidate);
      this.onChange();
    });
  }

  async run(command: string, args: string[]): Promise<{ plugin: string; command: string; result: JsonValue; durationMs: number }> {
    await this.settled();
    const [pluginName, commandName] = command.includes('/') ? [command.slice(0, command.lastIndexOf('/')), command.slice(command.lastIndexOf('/') + 1)] : [null, command];
    const owners = this.entries.filter(
      (e) => (pluginName === null || e.info.name === pluginName) && e.info.commands.some((c) => c.name === commandName),
    );
    if (owners.length === 0) {
      const known = this.entries.flatMap((e) => (e.info.state === 'active' ? e.info.commands.map((c) => c.name) : []));
      throw new PluginRunError('unknown-command', `no plugin command "${command}"${known.length ? ` (available: ${known.join(', ')})` : ' (no plugin commands are available)'}`);
    }
    if (owners.length > 1)
      throw new PluginRunError('unknown-command', `"${command}" is defined by ${owners.map((o) => o.info.name).join(' and ')}: run it as <plugin>/${commandName}`);
    const owner = owners[0]!;
    if (owner.info.state !== 'active' || !owner.isolate)
      throw new PluginRunError('unavailable', `plugin ${owner.info.name} is ${owner.info.state}${owner.info.reason ? `: ${owner.info.reason}` : ''}`);
    const started = performance.now();
    try {
      const result = await owner.isolate.run(commandName, args, this.settings.commandTimeoutMs);
      return { plugin: owner.info.name, command: commandName, result, durationMs: Math.round(performance.now() - started) };
    } catch (err) {
      throw new PluginRunError('command-failed', `${owner.info.name}/${commandName} failed: ${(err as Error).message}`);
    }
  }

  async dispose(): Promise<void> {
    await this.settled();
    await Promise.all(this.entries.map((e) => e.isolate?.stop()));
    this.entries = [];
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch((err: unknown) => this.opts.log.error('plugin load failed', { error: err instanceof Error ? err : String(err) }));
    return next;
  }

  private async loadAll(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.isolate?.stop()));
    this.entries = [];
    const candidates = [
      ...(await discover('bundled', this.opts.bundledDir)),
      ...(this.root ? await discover('workspace', workspacePluginsDir(this.root)) : []),
    ];
    // Workspace plugins come last but win a name clash with a bundled one (that is how a bundled plugin is
    // overridden during development), so admit them first.
    const order = [...candidates.filter((c) => c.source === 'workspace'), ...candidates.filter((c) => c.source === 'bundled')];
    const admitted: Entry[] = [];
    for (const c of order) admitted.push(this.admit(c, admitted));
    this.entries = candidates.map((c) => admitted[order.indexOf(c)]!);
    this.onChange();
    // Each plugin's outcome is published as soon as it is known; a slow one does not hide the others. Each host
    // starts in its own turn of the event loop: a fork holds the loop for 10-25 ms, and several in one turn
    // would delay the requests that arrive with them (the first ones after start-up).
    const starts: Array<Promise<void>> = [];
    for (const [i, e] of this.entries.entries()) {
      if (e.info.state !== 'loading') continue;
      await new Promise((r) => setTimeout(r, starts.length ? 0 : FIRST_START_DELAY_MS));
      starts.push(this.start(e, candidates[i]!).then(() => this.onChange()));
    }
    await Promise.all(starts);
  }

  /** Decides the initial state of a candidate, given the entries already admitted. */
  private admit(c: Candidate, others: readonly Entry[]): Entry {
    const base = {
      source: c.source,
      dir: c.dir,
      capabilities: [],
      dependencies: {},
      commands: [],
      registrations: [],
    } satisfies Omit<PluginInfo, 'name' | 'version' | 'state'>;
    if (!c.ok) {
      return { isolate: null, info: { ...base, name: c.name, version: c.version, state: 'refused', reason: c.reason, ...(c.apiVersion ? { apiVersion: c.apiVersion } : {}) } };
    }
    const m = c.manifest;
    const info: PluginInfo = {
      ...base,
      name: m.name,
      version: m.version,
      state: 'loading',
      apiVersion: m.nootropic.apiVersion,
      capabilities: m.nootropic.capabilities,
      dependencies: m.dependencies ?? {},
    };
    let approval: 'approved' | 'new' | 'changed' | undefined;
    if (c.source === 'workspace') {
      const approved = this.root ? this.opts.approvals(this.root)[m.name] : undefined;
      approval = approved && approved.hash === c.contentHash ? 'approved' : approved ? 'changed' : 'new';
      info.approval = approval;
      if (c.contentHash) info.contentHash = c.contentHash;
    }
    const clash = others.find((o) => o.info.name === m.name && o.info.state !== 'refused' && o.info.state !== 'disabled');
    let disabled: string | null = null;
    if (c.source === 'workspace' && !this.trusted) disabled = RESTRICTED_REASON;
    else if (!this.settings.enabled) disabled = 'plugins are turned off (nootropic.plugins.enabled)';
    else if (this.settings.disabled.includes(m.name)) disabled = 'listed in nootropic.plugins.disabled';
    else if (approval === 'new' || approval === 'changed') {
      disabled = notApprovedReason(m.name, approval);
      const key = `${m.name}:${c.contentHash ?? ''}`;
      if (!this.warnedUnapproved.has(key)) {
        this.warnedUnapproved.add(key);
        this.opts.log.warn('workspace plugin not loaded: not approved', { plugin: m.name, approval, dir: c.dir });
      }
    }
    else if (clash && clash.info.source === 'workspace' && c.source === 'bundled') disabled = `overridden by the workspace plugin in ${clash.info.dir}`;
    else if (clash) return { isolate: null, info: { ...info, state: 'refused', reason: `another plugin folder (${clash.info.dir}) already uses the name ${m.name}` } };
    if (disabled) return { isolate: null, info: { ...info, state: 'disabled', reason: disabled } };
    return { isolate: null, info };
  }

  private async start(entry: Entry, candidate: Candidate): Promise<void> {
    if (entry.info.state !== 'loading' || !candidate.ok) return;
    const m = candidate.manifest;
    // The approval is bound to the hash taken at discovery: content changed since then is not run.
    if (candidate.source === 'workspace') {
      const now = await pluginContentHash(candidate.dir).catch(() => null);
      if (now !== candidate.contentHash) {
        entry.info.state = 'disabled';
        entry.info.approval = 'changed';
        entry.info.reason = notApprovedReason(m.name, 'changed');
        this.opts.log.warn('workspace plugin not loaded: its content changed after it was checked', { plugin: m.name, dir: candidate.dir });
        return;
      }
    }
    const isolate = new PluginIsolate(m.name, { hostScript: this.opts.hostScript, memoryLimitMb: this.settings.memoryLimitMb, log: this.opts.log.child('plugin') });
    entry.isolate = isolate;
    isolate.onDeath = (reason) => {
      if (entry.isolate !== isolate) return;
      this.markFailed(entry, reason);
      this.onChange();
    };
    isolate.onRegistration = (r) => {
      if (entry.isolate !== isolate) return;
      entry.info.registrations.push(r);
      if (r.kind === 'commands') entry.info.commands.push(r.decl);
      this.onChange();
    };
    try {
      const a = await isolate.activate(
        {
          type: 'activate',
          dir: candidate.dir,
          main: m.main,
          name: m.name,
          capabilities: m.nootropic.capabilities,
          root: this.root,
          readOnly: !this.trusted,
          apiVersion: PLUGIN_API_VERSION,
        },
        this.settings.activateTimeoutMs,
      );
      const described = new Map(a.description.commands.map((c) => [c.name, c]));
      const withDescriptions = (r: Registration): Registration =>
        r.kind === 'commands' ? { kind: 'commands', decl: described.get(r.decl.name) ?? r.decl } : r;
      entry.info.registrations = a.registrations.map(withDescriptions);
      entry.info.commands = entry.info.registrations.flatMap((r): CommandDescription[] => (r.kind === 'commands' ? [r.decl] : []));
      entry.info.state = 'active';
      entry.info.activationMs = Math.round(a.ms * 10) / 10;
      this.opts.log.info('plugin active', { plugin: m.name, source: candidate.source, ms: entry.info.activationMs, commands: entry.info.commands.map((c) => c.name) });
    } catch (err) {
      this.markFailed(entry, (err as Error).message);
    }
  }

  private markFailed(entry: Entry, reason: string): void {
    entry.info.state = 'failed';
    entry.info.reason = reason;
    entry.info.commands = [];
    entry.info.registrations = [];
    void entry.isolate?.stop();
    entry.isolate = null;
    this.opts.log.warn('plugin failed', { plugin: entry.info.name, dir: path.relative(process.cwd(), entry.info.dir), reason });
  }
}
