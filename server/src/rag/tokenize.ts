/**
 * Code-aware tokens for lexical retrieval: identifiers split at camelCase, snake_case, kebab-case and digit
 * boundaries (the whole identifier is kept too), lower-cased, lightly stemmed, and common code abbreviations
 * expanded (`str` → `string`), so "parse the config file" finds `parseCfgFile`.
 */

const ABBREVIATIONS: Record<string, string> = {
  str: 'string', num: 'number', arr: 'array', obj: 'object', fn: 'function', func: 'function', cb: 'callback',
  len: 'length', idx: 'index', err: 'error', msg: 'message', opts: 'options', opt: 'option', args: 'arguments',
  arg: 'argument', ctx: 'context', req: 'request', res: 'response', val: 'value', el: 'element', elem: 'element',
  cfg: 'config', conf: 'config', config: 'configuration', dir: 'directory', src: 'source', dst: 'destination',
  dest: 'destination', tmp: 'temporary', init: 'initialize', calc: 'calculate', cmp: 'compare', eq: 'equal',
  fmt: 'format', env: 'environment', prev: 'previous', cur: 'current', curr: 'current', max: 'maximum',
  min: 'minimum', pos: 'position', ptr: 'pointer', ref: 'reference', buf: 'buffer', char: 'character',
  chr: 'character', int: 'integer', bool: 'boolean', util: 'utility', param: 'parameter', params: 'parameters',
  attr: 'attribute', attrs: 'attributes', prop: 'property', props: 'properties', doc: 'document', db: 'database',
  id: 'identifier', ts: 'timestamp', util_: 'utility', regex: 'regular', re: 'regular', exp: 'expression',
  del: 'delete', rm: 'remove', mk: 'make', gen: 'generate', iter: 'iterate', seq: 'sequence', ch: 'character',
  sync: 'synchronous', async: 'asynchronous', img: 'image', btn: 'button', auth: 'authentication', ns: 'namespace',
  dict: 'dictionary', lst: 'list', vec: 'vector', impl: 'implementation', spec: 'specification', cnt: 'count',
  col: 'column', cols: 'columns', ws: 'whitespace', nl: 'newline', eol: 'end', uniq: 'unique', dup: 'duplicate',
};

const STOPWORDS = new Set(
  'a an the of to in is are was were be been being if for and or nor but that this these those with as by it its on at from into than then there their them they we you your our not no yes do does did so such can could should would will shall may might must has have had which who whom what when where why how all any each some given returns return value values true false otherwise else also only just use used using via per'.split(' ').filter((w) => w !== 'true' && w !== 'false'),
);

/**
 * A light suffix stemmer (plurals, -ing, -ed, -ly, -er, final -e): parse, parses, parsed, parsing and parser
 * all become "pars". Crude, but applied the same way to queries and code, which is what matters.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(x|ch|sh|ss|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3).replace(/([^aeiouls])\1$/, '$1');
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2).replace(/([^aeiouls])\1$/, '$1');
  else if (w.endsWith('ly') && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('er') && w.length > 5) w = w.slice(0, -2);
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

/** Splits one identifier into lower-case parts: `parseHTTPResponse2` → parse, http, response, 2. */
export function splitIdentifier(word: string): string[] {
  return word
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])([0-9])/g, '$1 $2')
    .replace(/([0-9])([a-zA-Z])/g, '$1 $2')
    .split(/[\s_$-]+/)
    .filter(Boolean)
    .map((p) => p.toLowerCase());
}

const WORD = /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g;

export interface TokenOptions {
  /** Drop English stop words (for queries and prose; identifiers keep them). */
  stopwords?: boolean;
}

/** Markdown links keep their text; bare URLs say nothing about code and match every file that cites a spec. */
function stripUrls(text: string): string {
  return text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\b(?:https?|ftp):\/\/\S+/g, ' ');
}

/** Terms of a text: split identifiers, stems, abbreviation expansions and the whole identifier. */
export function tokenize(text: string, opts: TokenOptions = {}): string[] {
  const out: string[] = [];
  for (const m of stripUrls(text).matchAll(WORD)) {
    const word = m[0];
    const parts = splitIdentifier(word);
    if (parts.length > 1) out.push(word.toLowerCase().replace(/[_$-]/g, ''));
    for (const p of parts) {
      if (p.length < 2 && !/[0-9]/.test(p)) continue;
      if (opts.stopwords && STOPWORDS.has(p)) continue;
      const s = stem(p);
      out.push(s);
      const expanded = Object.hasOwn(ABBREVIATIONS, p) ? ABBREVIATIONS[p] : undefined; // not `constructor` from the prototype
      if (expanded) out.push(stem(expanded));
    }
  }
  return out;
}

/** Plain BM25 tokens (the benchmark baseline): lower-cased \w+ runs, nothing else. */
export function plainTokens(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9_]+/g) ?? []).filter((t) => t.length > 1);
}
