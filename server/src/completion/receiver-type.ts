/**
 * The type of the object before the cursor at `x.|`, `self.store.|`, `this.cache.|` or `Type::|`, read from the
 * file's own text (no type checker): constructor assignments (`self.x = Foo()`, `this.x = new Foo()`), annotations
 * (`x: Foo`, `x *Foo`), constructor-like calls (`x := pkg.NewFoo()`, `let x = Foo::new()`), composite literals
 * (`x := &Foo{}`) and, for `self`/`this`, the enclosing class and its bases. The index then answers with the
 * type's members, so the prompt can show the methods the person is about to call before any of the name is typed.
 * Only the text before the typed member matters: what is typed after the separator never picks the type.
 */

export interface ReceiverAt {
  /** The receiver expression as written (`self.pool`, `f`, `PrefilterTest`). */
  expr: string;
  sep: '.' | '::';
  /** The part of the member already typed. */
  typed: string;
}

/** Generic wrappers whose argument is the interesting type (`Optional[Foo]`, `Rc<RefCell<Foo>>`). */
const WRAPPERS = new Set(
  'Optional Union List Dict Set Tuple Sequence Iterable Iterator Type ClassVar Final Callable Any Self Option Box Rc Arc RefCell Cell Mutex RwLock Vec Result Cow Pin Promise Array Map ReadonlyArray Readonly Partial Record String Object Number Boolean'.split(' '),
);
const MAX_TYPES = 6;

const esc = (s: string) => s.replace(/[$]/g, '\\$');

/** The receiver the cursor's line ends on, or undefined when the cursor is not right after `expr.` / `expr::`. */
export function receiverAt(before: string): ReceiverAt | undefined {
  const line = before.slice(before.lastIndexOf('\n') + 1);
  const m = /((?:[A-Za-z_$][\w$]*(?:\(\))?\s*(?:\.|::)\s*)*[A-Za-z_$][\w$]*)\s*(\.|::)\s*([A-Za-z_$][\w$]*)?$/.exec(line);
  if (!m) return undefined;
  const expr = m[1]!.replace(/\s+/g, '');
  if (/^\$?crate$|^super$/.test(expr)) return undefined;
  return { expr, sep: m[2] as '.' | '::', typed: m[3] ?? '' };
}

/**
 * Capitalised names in a type expression, wrappers after what they wrap: `Optional[pkg.Foo]` → `Foo`,
 * `&mut Buf<T>` → `Buf`, `sync.Mutex` → `Mutex` (a wrapper alone is the type).
 */
function typesIn(annotation: string): string[] {
  const out: string[] = [];
  const wrappers: string[] = [];
  for (const m of annotation.matchAll(/([A-Za-z_][\w]*)/g)) {
    const name = m[1]!;
    if (!/^[A-Z]/.test(name) || /^[A-Z]$/.test(name)) continue;
    (WRAPPERS.has(name) ? wrappers : out).push(name);
  }
  return [...out, ...wrappers];
}

/** `lazy_buffer` / `lazyBuffer` → `LazyBuffer`: a receiver's name often is its type's. */
function pascal(name: string): string {
  return name
    .replace(/^_+/, '')
    .split(/_+/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/** Types a variable or attribute named `name` was given in `text`, the declaration nearest before `offset` first. */
function typesOfName(text: string, offset: number, name: string, attribute: boolean, languageId: string): string[] {
  const n = esc(name);
  const owner = attribute ? '(?:self|this|cls)\\s*\\.\\s*' : '(?<![\\w$.])';
  const patterns: RegExp[] = [
    // `x = Foo(`, `self.x = pkg.Foo(`, `this.x = new Foo(`, `let x = Foo::new(`, `x := pkg.NewFoo(`, `x := &Foo{`
    new RegExp(`${owner}${n}\\s*(?::\\s*([^=;\\n]+?))?\\s*(?::=|=(?!=))\\s*(?:await\\s+)?(?:new\\s+)?&?(?:mut\\s+)?((?:[A-Za-z_$][\\w$]*\\s*(?:\\.|::)\\s*)*[A-Za-z_$][\\w$]*)`, 'g'),
    // `x: Foo` (Python/TS/Rust parameters, fields, lets), `private x: Foo`
    new RegExp(`${owner}${n}\\s*\\??:\\s*(?!=)([^=,;)\\n{]+)`, 'g'),
    // Python `with Foo() as x`
    new RegExp(`with\\s+((?:[A-Za-z_][\\w]*\\.)*[A-Za-z_][\\w]*)\\s*\\([^\\n]*\\bas\\s+${n}\\b`, 'g'),
  ];
  if (languageId === 'go' || !attribute) {
    // Go: `func (x *Foo)`, `x *Foo,` in parameters, `var x Foo`, `x []*pkg.Foo` (the element's type)
    patterns.push(new RegExp(`(?:[(,]\\s*|\\bvar\\s+)${n}\\s+(?:\\*|\\[\\])*((?:\\w+\\.)?[A-Z]\\w*)`, 'g'));
  }
  const found: { at: number; types: string[] }[] = [];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const at = m.index ?? 0;
      let types: string[];
      if (m.length >= 3 && re === patterns[0]) {
        const annotated = m[1] ? typesIn(m[1]) : [];
        const call = m[2]!.split(/\.|::/).map((s) => s.trim());
        const callee = call[call.length - 1]!;
        // `Foo(`/`new Foo`/`Foo::new(` name the type; `pkg.NewFoo(` / `NewFoo(` (Go) construct `Foo`.
        const typePart = call.find((p) => /^[A-Z]/.test(p) && !/^New[A-Z]/.test(p));
        const fromCall = /^New([A-Z]\w*)$/.test(callee) ? [callee.slice(3)] : typePart ? [typePart] : [];
        types = [...annotated, ...fromCall];
      } else types = typesIn(m[1]!);
      if (types.length) found.push({ at, types });
    }
  }
  // Nearest declaration before the cursor first, then later ones (a field assigned in a constructor further down).
  found.sort((a, b) => {
    const da = a.at <= offset ? offset - a.at : 1e9 + a.at;
    const db = b.at <= offset ? offset - b.at : 1e9 + b.at;
    return da - db;
  });
  return found.flatMap((f) => f.types);
}

/** The class (or Rust impl's type, JS/Python bases) the cursor is inside, innermost first. */
function enclosingTypes(before: string): string[] {
  const out: string[] = [];
  const classes = [...before.matchAll(/^([ \t]*)(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)\s*(?:\(([^)]*)\)|(?:<[^>]*>)?\s*extends\s+([\w$.]+))?/gm)];
  const cls = classes[classes.length - 1];
  if (cls) out.push(cls[2]!, ...typesIn(cls[3] ?? cls[4] ?? ''));
  const impls = [...before.matchAll(/^\s*impl\b(?:<[^{]*?>)?\s*(?:([\w:]+)(?:<[^{]*?>)?\s+for\s+)?&?([\w:]+)/gm)];
  const impl = impls[impls.length - 1];
  if (impl && (!cls || impl.index! > cls.index!)) out.unshift(impl[2]!.split('::').pop()!, ...(impl[1] ? [impl[1].split('::').pop()!] : []));
  return out;
}

/**
 * Types whose members may follow the cursor, best first (at most six): the receiver's declared or constructed
 * type, then its name as a type (`buffer` → `Buffer`). Empty when the cursor is not on a member.
 */
export function receiverTypes(text: string, offset: number, languageId: string): string[] {
  const before = text.slice(0, offset);
  const at = receiverAt(before);
  if (!at) return [];
  const parts = at.expr.split(/\.|::/).map((p) => p.replace(/\(\)$/, ''));
  const last = parts[parts.length - 1]!;
  const out: string[] = [];
  if (at.sep === '::' || (parts.length === 1 && /^[A-Z]/.test(last) && last !== last.toUpperCase())) {
    // `Type::` / `Type.`: the type itself (an associated function, a static method, an enum's variant).
    if (/^[A-Z]/.test(last)) out.push(last);
  } else if (parts.length === 1 && /^(self|this|cls)$/.test(last)) {
    out.push(...enclosingTypes(before));
  } else {
    const attribute = parts.length === 2 && /^(self|this)$/.test(parts[0]!);
    if (parts.length === 1 || attribute) out.push(...typesOfName(text, offset, last, attribute, languageId));
    // An attribute declared as a class field (`pool: LazyBuffer<I>`, `private store: Store`).
    if (attribute) out.push(...typesOfName(text, offset, last, false, languageId));
    if (/^[a-z_]/i.test(last) && last.length > 2) out.push(pascal(last));
  }
  return [...new Set(out.filter((t) => t.length > 1))].slice(0, MAX_TYPES);
}
