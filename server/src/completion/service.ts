/**
 * Inline completion end to end: the cache, a short debounce that a keystroke cancels, the `completion` role's
 * chain (the chat chain when none is configured), the endpoint policy before any connection, the prompt context,
 * the FIM stream (stopped as soon as the post-processor has its answer) and the post-processing rules. Every
 * step takes the request's AbortSignal, so a typed character cancels down to the HTTP request. Served
 * completions are remembered by id until the person accepts or rejects them (the feedback export).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Tree } from 'web-tree-sitter';
import type { Config } from '../../../shared/config/schema';
import type { CompletionInfoResult } from '../../../shared/protocol';
import { FeedbackStore } from '../agents/feedback';
import type { Logger } from '../log';
import { checkEndpoint } from '../security/endpoint-policy';
import type { ResolvedEndpoint } from '../models/endpoints';
import { ModelError } from '../models/errors';
import type { ModelRouter } from '../models/router';
import type { DefinitionAnswer, DefinitionQuery } from '../rag/index-worker-protocol';
import { grammarFor } from '../syntax/grammars';
import { parseEdited, releaseTree } from '../edits/tree-cache';
import { CompletionCache } from './cache';
import { ownCopy, TextLines } from './text-lines';
import { chooseTemplate, type TemplateChoice } from './fim-templates';
import { fim, ollamaHasNativeFim, protocolFor, type FimProtocol } from './fim-transport';
import { addsSyntaxError, completionMode, shapeCompletion, streamDone } from './postprocess';
import { buildPromptContext, definitionLookup, type ContextSources, type CursorDocument, type DefinitionLookup } from './prompt-context';
import { NeighbourCalls } from './neighbour-calls';
import { parseWindow } from './parse-window';
import { RecentEdits } from './recent-edits';

export interface CompletionDeps {
  config: () => Config;
  root: () => string | null;
  models: ModelRouter;
  apiKey: () => string | undefined;
  /** Where names are defined (the workspace index; answers quickly or with nothing). */
  definitions: (query: DefinitionQuery) => Promise<DefinitionAnswer>;
  /** Open documents' text by workspace-relative path (fresher than disk). */
  openText: (relPath: string) => string | undefined;
  log: Logger;
  now?: () => number;
}

export interface CompletionRequest {
  uri: string;
  /** Workspace-relative path, or the file name outside the workspace. */
  path: string;
  languageId: string;
  text: string;
  offset: number;
}

export interface CompletionOutcome {
  id: string;
  text: string;
  cached: boolean;
  endpoint?: ResolvedEndpoint;
  protocol?: FimProtocol;
  /** Server time excluding the model's (ms): context, parse, post-processing. */
  overheadMs: number;
  totalMs: number;
  /** Why the raw completion was cut or dropped (for logs and tests). */
  dropped?: 'syntax' | 'empty';
  raw?: string;
  prompt?: { prefix: string; suffix: string; snippets: number; tokens: number };
}

const TEMPERATURE = 0.2;
const MAX_PENDING_FEEDBACK = 200;
const STAT_EVERY_MS = 1000;
/** A block this small, with the last one's tree to start from, is parsed while the index answers. */
const SMALL_BLOCK = 4_000;
/** Documents whose last text is kept for incremental parsing. */
const MAX_DOCUMENTS = 8;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new ModelError('cancelled', 'cancelled'));
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(new ModelError('cancelled', 'cancelled'))), { once: true });
  });

export class CompletionService {
  readonly cache = new CompletionCache();
  readonly edits: RecentEdits;
  private readonly neighbours: NeighbourCalls;
  private readonly nativeFim = new Map<string, boolean>();
  private readonly pending = new Map<string, { prompt: string; response: string }>();
  private readonly files = new Map<string, { mtime: number; file: TextLines; checked: number }>();
  /** Each document's parsed block at its last request (or its text when opened): the next parse starts from that tree. */
  private readonly lastText = new Map<string, { start: number; text: string }>();
  readonly stats = { served: 0, cached: 0, cancelled: 0, accepted: 0, rejected: 0, lastMs: undefined as number | undefined };

  constructor(private readonly deps: CompletionDeps) {
    this.edits = new RecentEdits(deps.now);
    this.neighbours = new NeighbourCalls(deps.root);
  }

  /** Whether completions are on for a language (the setting and the per-language list). */
  enabledFor(languageId: string): boolean {
    const c = this.deps.config().completion;
    return c.enabled && !c.disabledLanguages.includes(languageId);
  }

  /** What the prompt needs from the index at this cursor, fetched in one lookup. */
  private async sources({ names, stem, types }: DefinitionLookup): Promise<ContextSources> {
    const files = new Map<string, TextLines | undefined>();
    const found = await this.deps.definitions({ names, ...(stem ? { stem } : {}), ...(types.length ? { types } : {}) });
    return {
      definitions: (name) => found.named[name] ?? [],
      // Once per file per request: a type's members often share one (large) file.
      lines: (rel, from, to) => {
        if (!files.has(rel)) files.set(rel, this.fileOf(rel));
        return files.get(rel)?.lines(from, to);
      },
      recentEdits: () => this.edits.list(),
      moduleMembers: (s) => (s === stem ? found.members : []),
      typeMembers: (t) => found.typeMembers?.[t] ?? [],
    };
  }

  /**
   * A document just opened: the syntax check parses it now, so the first completion in it re-parses only what was
   * typed since (from that tree in the tree cache) instead of the whole file.
   */
  opened(uri: string, text: string): void {
    this.rememberText(uri, { start: 0, text });
  }

  /** Warm-ups run one after another: a window restoring ten editors does not read everything at once. */
  private warming: Promise<void> = Promise.resolve();
  /** Completions being worked out now: a warm-up never takes the thread from one. */
  private inFlight = 0;

  /**
   * A document just opened, before anyone types in it: what its first completion would otherwise do cold is done
   * now, in the background. The endpoint's fill-in-the-middle support is asked once (that first HTTP request also
   * loads the HTTP client), and the names the file imports and calls are looked up in the index and their
   * definitions' files read. Nothing is sent to a model; a closed document is skipped, and so is the reading while
   * a completion is being worked out (it reads what it needs itself).
   */
  prepare(req: Omit<CompletionRequest, 'offset'>): void {
    if (!this.enabledFor(req.languageId)) return;
    this.warming = this.warming
      .then(() => this.warm(req))
      .catch((err: unknown) => this.deps.log.debug('completion warm-up failed', { uri: req.uri, error: err instanceof Error ? err.message : String(err) }));
  }

  private async warm(req: Omit<CompletionRequest, 'offset'>): Promise<void> {
    if (!this.lastText.has(req.uri)) return;
    const config = this.deps.config();
    const ep = this.deps.models.chain('completion')[0];
    const protocol = ep ? protocolFor(config.completion.protocol, ep.provider) : undefined;
    if (ep && protocol && protocol !== 'llamacpp' && checkEndpoint(ep.baseUrl, config.models.allowCloud).allowed) {
      await this.template(ep, protocol, AbortSignal.timeout(config.completion.timeoutMs));
    }
    if (this.inFlight > 0 || !this.lastText.has(req.uri)) return;
    await this.neighbours.read(req.path);
    if (this.inFlight > 0 || !this.lastText.has(req.uri)) return;
    const doc: CursorDocument = { text: req.text, offset: req.text.length >> 1, path: req.path, languageId: req.languageId };
    const lookup = definitionLookup(doc, this.neighbours.of(req.path));
    const sources = await this.sources(lookup);
    if (this.inFlight > 0 || !this.lastText.has(req.uri)) return;
    buildPromptContext(doc, sources, config.completion.contextTokens, lookup);
  }

  /** A closed document: its last block's tree is freed now, not in whatever parse later evicts it from the cache. */
  closed(uri: string, languageId: string, relPath: string): void {
    const last = this.lastText.get(uri);
    this.lastText.delete(uri);
    const grammar = grammarFor(languageId, relPath);
    if (last && grammar) releaseTree(grammar, last.text);
  }

  private rememberText(uri: string, text: { start: number; text: string }): void {
    this.lastText.delete(uri);
    this.lastText.set(uri, text);
    if (this.lastText.size > MAX_DOCUMENTS) this.lastText.delete(this.lastText.keys().next().value!);
  }

  /** Open text first, else the file on disk (cached by mtime: a definition's file is read once per change). */
  private fileOf(rel: string): TextLines | undefined {
    const open = this.deps.openText(rel);
    if (open !== undefined) return new TextLines(open);
    const root = this.deps.root();
    if (!root) return undefined;
    const abs = path.join(root, rel);
    const hit = this.files.get(rel);
    const now = performance.now();
    // Checked against the disk at most once a second: a burst of keystrokes reads the same files.
    if (hit && now - hit.checked < STAT_EVERY_MS) return hit.file;
    try {
      const mtime = statSync(abs).mtimeMs;
      if (hit && hit.mtime === mtime) {
        hit.checked = now;
        return hit.file;
      }
      const file = new TextLines(readFileSync(abs));
      this.files.set(rel, { mtime, file, checked: now });
      if (this.files.size > 500) this.files.delete(this.files.keys().next().value!);
      return file;
    } catch {
      return undefined;
    }
  }

  /** The endpoint, protocol and template completions use now, or why there is none. */
  info(languageId?: string): CompletionInfoResult {
    const config = this.deps.config();
    const chain = this.deps.models.chain('completion');
    const ep = chain[0];
    const protocol = ep ? protocolFor(config.completion.protocol, ep.provider) : undefined;
    let problem: string | undefined;
    if (!ep) problem = 'no model is configured for completion or chat';
    else if (!protocol) problem = `the ${ep.provider} provider has no fill-in-the-middle endpoint: set nootropic.models.roles.completion to an Ollama, llama-server or OpenAI-compatible endpoint`;
    else if (ep.provider !== 'llamacpp') {
      const decision = checkEndpoint(ep.baseUrl, config.models.allowCloud);
      if (!decision.allowed) problem = decision.reason;
    }
    return {
      enabled: config.completion.enabled,
      languageEnabled: languageId ? this.enabledFor(languageId) : config.completion.enabled,
      endpoint: ep ? { role: ep.role, label: ep.label, provider: ep.provider, baseUrl: ep.baseUrl, model: ep.model } : null,
      fallbackToChat: config.models.roles.completion.length === 0,
      protocol: protocol ?? null,
      template: config.completion.template,
      ...(problem ? { problem } : {}),
      stats: { ...this.stats, ...(this.stats.lastMs === undefined ? {} : { lastMs: this.stats.lastMs }) },
    };
  }

  private async template(ep: ResolvedEndpoint, protocol: FimProtocol, signal: AbortSignal): Promise<TemplateChoice> {
    const setting = this.deps.config().completion.template;
    // llama-server and an embedded GGUF know their own FIM tokens (the embedded path falls back to the family's
    // template itself when the GGUF has none).
    let native = protocol === 'llama-server' || protocol === 'llamacpp';
    if (protocol === 'ollama' && (setting === 'auto')) {
      const key = `${ep.baseUrl} ${ep.model}`;
      let known = this.nativeFim.get(key);
      if (known === undefined) {
        const models = this.deps.config().models;
        known = await ollamaHasNativeFim(ep.baseUrl, ep.model, { allowCloud: models.allowCloud, timeoutMs: this.deps.config().completion.timeoutMs, signal, apiKey: this.deps.apiKey() }).catch(() => undefined);
        // Unanswered (not running yet, cancelled): assumed native this time and asked again next time.
        if (known !== undefined) this.nativeFim.set(key, known);
      }
      native = known ?? true;
    }
    return chooseTemplate(setting, ep.model, native);
  }

  async complete(req: CompletionRequest, signal: AbortSignal): Promise<CompletionOutcome | undefined> {
    const started = performance.now();
    const config = this.deps.config();
    if (!this.enabledFor(req.languageId)) return undefined;
    const before = req.text.slice(0, req.offset);
    const after = req.text.slice(req.offset);
    const chain = this.deps.models.chain('completion');
    const cacheModel = chain[0] ? `${chain[0].baseUrl} ${chain[0].model}` : '';
    const hit = this.cache.get(req.uri, cacheModel, before, after);
    if (hit !== undefined) {
      this.stats.cached++;
      const totalMs = performance.now() - started;
      return this.remember({ id: '', text: hit, cached: true, overheadMs: totalMs, totalMs }, `${before.slice(-2000)}<CURSOR>${after.slice(0, 500)}`);
    }
    this.inFlight++;
    try {
      if (config.completion.debounceMs) await sleep(config.completion.debounceMs, signal);
      const debounced = performance.now();
      const doc: CursorDocument = { text: req.text, offset: req.offset, path: req.path, languageId: req.languageId };
      const grammar = grammarFor(req.languageId, req.path);
      const lookup = definitionLookup(doc, this.neighbours.of(req.path));
      const found = this.sources(lookup);
      found.catch(() => undefined);
      // Only the block around the cursor is parsed (parse-window.ts), incrementally from this document's previous
      // request when that was the same block a keystroke ago.
      const win = parseWindow(req.text, req.offset);
      const block: CursorDocument = { ...doc, text: req.text.slice(win.start, win.end), offset: req.offset - win.start };
      // The previous block is a base only when it starts where this one does (a few keystrokes further on).
      const last = this.lastText.get(req.uri);
      const base = last && last.start === win.start && Math.abs(last.text.length - block.text.length) < 4096 ? last.text : null;
      // The block is parsed once its model request is on its way, so the parse runs during the model's time. Until
      // then the text decides the mode; the tree can only narrow a block to one line (the cursor in a string or a
      // comment), and it is known before the first chunk of the answer is read.
      let mode = completionMode(block);
      let tree: Tree | undefined;
      let parseMs = 0;
      let parsed: Promise<void> | undefined;
      const parseBlock = () =>
        (parsed ??= (async () => {
          const t0 = performance.now();
          tree = grammar && block.text.length < 500_000 ? await parseEdited(grammar, base, block.text).then((r) => r.tree, () => undefined) : undefined;
          parseMs = performance.now() - t0;
          // The next request's parse starts from this tree (a request cancelled before its parse keeps the last one).
          // A block much smaller than its document is copied, so the kept text does not keep that whole version.
          this.rememberText(req.uri, { start: win.start, text: block.text.length < req.text.length / 2 ? ownCopy(block.text) : block.text });
          mode = completionMode(block, tree);
        })());
      // A small block a keystroke on from the last one re-parses in well under a millisecond: that fits in the wait
      // for the index's answer.
      if (base !== null && block.text.length < SMALL_BLOCK) void parseBlock();
      try {
        const ctx = buildPromptContext(doc, await found, config.completion.contextTokens, lookup);
        const prepMs = performance.now() - debounced;
        const attempts: string[] = [];
        for (const ep of chain) {
          const protocol = protocolFor(config.completion.protocol, ep.provider);
          if (!protocol) {
            attempts.push(`${ep.label} (${ep.provider}): no fill-in-the-middle endpoint for this provider`);
            continue;
          }
          // An embedded GGUF runs in this process: no URL, nothing leaves the machine.
          const decision = ep.provider === 'llamacpp' ? { allowed: true as const } : checkEndpoint(ep.baseUrl, config.models.allowCloud);
          if (!decision.allowed) {
            attempts.push(`${ep.label} (${ep.baseUrl}): ${decision.reason}`);
            continue;
          }
          const breaker = this.deps.models.breaker(ep);
          const gate = breaker.acquire();
          if (!gate.ok) {
            attempts.push(`${ep.label} (${ep.baseUrl}): resting after repeated failures`);
            continue;
          }
          const modelStart = performance.now();
          try {
            const template = await this.template(ep, protocol, signal);
            let requested!: () => void;
            const dispatched = new Promise<void>((resolve) => (requested = resolve));
            const answer = fim(protocol, {
              baseUrl: ep.baseUrl,
              model: ep.model,
              prefix: ctx.prefix,
              suffix: ctx.suffix,
              bareprefix: ctx.bareprefix,
              extra: ctx.snippets.map((s) => ({ filename: s.filename, text: s.text })),
              template,
              maxTokens: mode === 'single' ? Math.min(64, config.completion.maxTokens) : config.completion.maxTokens,
              temperature: TEMPERATURE,
              numCtx: Math.max(2048, Math.ceil((ctx.tokens + config.completion.maxTokens) / 1024) * 1024),
              allowCloud: config.models.allowCloud,
              apiKey: this.deps.apiKey(),
              timeoutMs: config.completion.timeoutMs,
              signal,
              onText: (t) => streamDone(t, doc, mode),
              onRequest: requested,
              ...(protocol === 'llamacpp' ? { llama: this.deps.models.llamaRuntime() } : {}),
            });
            answer.then(requested, requested);
            // One turn of the event loop after the request is handed over: it is written to the socket by then.
            await dispatched;
            await new Promise<void>((resolve) => setImmediate(resolve));
            await parseBlock();
            const result = await answer;
            breaker.success();
            const modelMs = performance.now() - modelStart;
            const postStart = performance.now();
            let text = shapeCompletion(result.text, doc, { mode, truncated: result.finish === 'length' });
            let dropped: CompletionOutcome['dropped'];
            if (text && grammar && tree && (await addsSyntaxError(grammar, block, text, tree))) {
              dropped = 'syntax';
              text = '';
            }
            if (!text && !dropped) dropped = 'empty';
            const postMs = performance.now() - postStart;
            this.cache.set(req.uri, cacheModel, before, after, text);
            this.stats.served++;
            const totalMs = performance.now() - started;
            this.stats.lastMs = Math.round(totalMs);
            const outcome: CompletionOutcome = {
              id: '',
              text,
              cached: false,
              endpoint: ep,
              protocol,
              overheadMs: prepMs + parseMs + postMs,
              totalMs,
              raw: result.text,
              ...(dropped ? { dropped } : {}),
              prompt: { prefix: ctx.prefix, suffix: ctx.suffix, snippets: ctx.snippets.length, tokens: ctx.tokens },
            };
            this.deps.log.debug('completion', { model: ep.model, protocol, mode, ms: Math.round(totalMs), modelMs: Math.round(modelMs), parseMs: Math.round(parseMs), finish: result.finish, chars: text.length, dropped });
            return this.remember(outcome, template.mode === 'raw' ? template.template.render(ctx.prefix, ctx.suffix) : `${ctx.prefix}<CURSOR>${ctx.suffix}`);
          } catch (err) {
            const e = err instanceof ModelError ? err : new ModelError('other', err instanceof Error ? err.message : String(err));
            if (e.kind === 'cancelled' || signal.aborted) {
              breaker.release();
              throw e;
            }
            if (e.healthFailure) breaker.failure(e.message);
            else breaker.release();
            attempts.push(`${ep.label} (${ep.provider} ${ep.baseUrl} ${ep.model}): ${e.message}`);
            this.deps.log.warn('completion request failed', { endpoint: ep.label, baseUrl: ep.baseUrl, model: ep.model, kind: e.kind, error: e.message });
          }
        }
        if (!chain.length) throw new ModelError('unsupported', 'no model is configured for the completion role (or chat)');
        throw new ModelError(attempts.some((a) => /cloud use is off|not on this machine/.test(a)) ? 'policy' : 'unreachable', `no completion endpoint answered:\n  ${attempts.join('\n  ')}`);
      } finally {
        tree?.delete();
      }
    } catch (err) {
      if (err instanceof ModelError && err.kind === 'cancelled') this.stats.cancelled++;
      throw err;
    } finally {
      this.inFlight--;
    }
  }

  private remember(outcome: CompletionOutcome, prompt: string): CompletionOutcome {
    if (!outcome.text) return outcome;
    const id = randomBytes(6).toString('hex');
    // The prompt is made of slices of the document: copied, so the document's version is not kept with it.
    this.pending.set(id, { prompt: ownCopy(prompt), response: outcome.text });
    if (this.pending.size > MAX_PENDING_FEEDBACK) this.pending.delete(this.pending.keys().next().value!);
    return { ...outcome, id };
  }

  /** Records the person's verdict for the feedback export; false when the id is unknown (too old, or another server). */
  async feedback(id: string, verdict: 'accept' | 'reject'): Promise<boolean> {
    const entry = this.pending.get(id);
    const root = this.deps.root();
    if (!entry || !root) return false;
    this.pending.delete(id);
    if (verdict === 'accept') this.stats.accepted++;
    else this.stats.rejected++;
    await new FeedbackStore(root).record({ kind: 'completion', verdict, prompt: entry.prompt, response: entry.response });
    return true;
  }
}
