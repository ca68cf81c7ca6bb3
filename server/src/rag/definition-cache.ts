/**
 * The server thread's copy of the index thread's definition answers. Inline completion asks for the same few dozen
 * names at every keystroke, and each ask was a round trip to the index thread: a message each way, and a wait
 * whenever that thread was busy (its p95 was about 5 ms on a 50k-chunk workspace, a third of a completion's
 * overhead). Here a lookup whose names, stem and types were all answered before, at the same version of the rows,
 * is answered without the round trip, and otherwise only what is not known is asked.
 *
 * The version is the index's count of row changes, which arrives with every message from the index thread: a
 * lookup sees rows at least as new as the last message, as the round trip it replaces did.
 */
import type { DefinitionAnswer, DefinitionQuery } from './index-worker-protocol';

type Sites = DefinitionAnswer['named'][string];
type Members = DefinitionAnswer['members'];

/** Names (found or not) kept per version; past this many the cache starts over. */
const MAX_NAMES = 5_000;
/** Stems and types kept per version (each answer can list hundreds of members). */
const MAX_GROUPS = 200;

export class DefinitionCache {
  private version = -1;
  private readonly named = new Map<string, Sites>();
  private readonly stems = new Map<string, Members>();
  private readonly types = new Map<string, Members>();

  /** What of `query` is not known for rows at `version`; undefined when all of it is. */
  missing(query: DefinitionQuery, version: number): DefinitionQuery | undefined {
    this.at(version);
    const names = query.names.filter((n) => !this.named.has(n));
    const stem = query.stem !== undefined && !this.stems.has(query.stem) ? query.stem : undefined;
    const types = (query.types ?? []).filter((t) => !this.types.has(t));
    if (!names.length && stem === undefined && !types.length) return undefined;
    return { names, ...(stem !== undefined ? { stem } : {}), ...(types.length ? { types } : {}) };
  }

  /** Keeps the index thread's answer to `asked`, given for rows at `version`. */
  store(asked: DefinitionQuery, answer: DefinitionAnswer, version: number): void {
    this.at(version);
    if (this.named.size + asked.names.length > MAX_NAMES) this.named.clear();
    for (const name of asked.names) this.named.set(name, answer.named[name] ?? []);
    if (asked.stem !== undefined) {
      if (this.stems.size >= MAX_GROUPS) this.stems.clear();
      this.stems.set(asked.stem, answer.members);
    }
    if (asked.types?.length) {
      if (this.types.size + asked.types.length > MAX_GROUPS) this.types.clear();
      for (const type of asked.types) this.types.set(type, answer.typeMembers?.[type] ?? []);
    }
  }

  /** The answer to `query` from what is known (parts not known are left out). */
  answer(query: DefinitionQuery): DefinitionAnswer {
    const named: DefinitionAnswer['named'] = {};
    for (const name of query.names) {
      const sites = this.named.get(name);
      if (sites?.length) named[name] = sites;
    }
    const typeMembers: NonNullable<DefinitionAnswer['typeMembers']> = {};
    for (const type of query.types ?? []) {
      const members = this.types.get(type);
      if (members?.length) typeMembers[type] = members;
    }
    return { named, members: (query.stem !== undefined && this.stems.get(query.stem)) || [], typeMembers };
  }

  private at(version: number): void {
    if (version === this.version) return;
    this.version = version;
    this.named.clear();
    this.stems.clear();
    this.types.clear();
  }
}

/** Two answers in one: `fresh` (just asked) over `known` (from the cache). */
export function mergeAnswers(known: DefinitionAnswer, fresh: DefinitionAnswer): DefinitionAnswer {
  return {
    named: { ...known.named, ...fresh.named },
    members: fresh.members.length ? fresh.members : known.members,
    typeMembers: { ...known.typeMembers, ...fresh.typeMembers },
  };
}
