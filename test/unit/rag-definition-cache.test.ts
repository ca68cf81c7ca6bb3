import { describe, expect, it } from 'vitest';
import { DefinitionCache, mergeAnswers } from '../../server/src/rag/definition-cache';

const site = (path: string, startLine: number) => ({ path, startLine, endLine: startLine + 2 });

describe('DefinitionCache (the server thread’s copy of the index thread’s definition answers)', () => {
  it('asks only what it does not know, remembers names that are defined nowhere, and answers the rest itself', () => {
    const cache = new DefinitionCache();
    const query = { names: ['parse', 'missing'], stem: 'utils', types: ['Point'] };
    expect(cache.missing(query, 3)).toEqual(query);
    cache.store(query, { named: { parse: [site('a.py', 1)] }, members: [{ ...site('utils.py', 4), name: 'slug' }], typeMembers: { Point: [{ ...site('p.py', 2), name: 'norm' }] } }, 3);
    expect(cache.missing(query, 3)).toBeUndefined();
    expect(cache.answer(query)).toEqual({ named: { parse: [site('a.py', 1)] }, members: [{ ...site('utils.py', 4), name: 'slug' }], typeMembers: { Point: [{ ...site('p.py', 2), name: 'norm' }] } });
    // One new name, no stem: only that name is asked.
    expect(cache.missing({ names: ['parse', 'render'] }, 3)).toEqual({ names: ['render'] });
    expect(cache.answer({ names: ['parse', 'render'] })).toEqual({ named: { parse: [site('a.py', 1)] }, members: [], typeMembers: {} });
  });

  it('drops everything when the rows are at another version', () => {
    const cache = new DefinitionCache();
    cache.store({ names: ['parse'] }, { named: { parse: [site('a.py', 1)] }, members: [] }, 3);
    expect(cache.missing({ names: ['parse'] }, 4)).toEqual({ names: ['parse'] });
    expect(cache.answer({ names: ['parse'] }).named).toEqual({});
  });

  it('a fresh answer wins over a kept one when merged', () => {
    const known = { named: { parse: [site('a.py', 1)] }, members: [{ ...site('u.py', 1), name: 'old' }], typeMembers: {} };
    const fresh = { named: { render: [site('b.py', 9)] }, members: [{ ...site('u.py', 5), name: 'new' }], typeMembers: { T: [] } };
    expect(mergeAnswers(known, fresh)).toEqual({ named: { parse: [site('a.py', 1)], render: [site('b.py', 9)] }, members: [{ ...site('u.py', 5), name: 'new' }], typeMembers: { T: [] } });
  });
});
