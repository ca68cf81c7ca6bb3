import { describe, expect, it } from 'vitest';
import { receiverAt, receiverTypes } from '../../../server/src/completion/receiver-type';

/** The types at the end of `text` (the cursor there). */
const at = (text: string, languageId: string) => receiverTypes(text, text.length, languageId);

describe('receiverAt', () => {
  it('finds the receiver and separator the cursor follows, and what of the member is typed', () => {
    expect(receiverAt('    x = self.store.')).toEqual({ expr: 'self.store', sep: '.', typed: '' });
    expect(receiverAt('let b = Buffer::wi')).toEqual({ expr: 'Buffer', sep: '::', typed: 'wi' });
    expect(receiverAt('return foo(')).toBeUndefined();
    expect(receiverAt('$crate::')).toBeUndefined();
  });
});

describe('receiverTypes', () => {
  it('Python: a constructor assignment to an attribute, an annotation, `with … as`, and self in a class with bases', () => {
    expect(at('class App:\n    def __init__(self):\n        self.store = storage.Store()\n\n    def run(self):\n        self.store.', 'python')[0]).toBe('Store');
    expect(at('def f(conn: Optional[Connection]):\n    conn.', 'python')[0]).toBe('Connection');
    expect(at('with Session(engine) as s:\n    s.', 'python')[0]).toBe('Session');
    expect(at('class Child(Base, Mixin):\n    def f(self):\n        self.', 'python')).toEqual(['Child', 'Base', 'Mixin']);
  });

  it('TypeScript/JavaScript: `this.x = new Foo()`, a constructor parameter property, `extends`', () => {
    expect(at('class A {\n  constructor() {\n    this.cache = new LruCache(10);\n  }\n  get(k) {\n    return this.cache.', 'typescript')[0]).toBe('LruCache');
    expect(at('class A {\n  constructor(private readonly store: Store) {}\n  f() {\n    this.store.', 'typescript')[0]).toBe('Store');
    expect(at('class Child extends Base {\n  f() {\n    this.', 'typescript')).toEqual(['Child', 'Base']);
  });

  it("Go: a method's receiver, `x := pkg.NewFoo()`, `x := &Foo{}`, `var x Foo`", () => {
    expect(at('func (f *FlagSet) Get(name string) {\n\tval, err := f.', 'go')[0]).toBe('FlagSet');
    expect(at('func main() {\n\tfs := flags.NewFlagSet("x")\n\tfs.', 'go')[0]).toBe('FlagSet');
    expect(at('func main() {\n\tb := &bytes.Buffer{}\n\tb.', 'go')[0]).toBe('Buffer');
    expect(at('var mu sync.Mutex\nfunc f() {\n\tmu.', 'go')).toContain('Mutex');
  });

  it('Rust: `let x = Foo::new()`, a struct field through self, a parameter, `Type::`, self in an impl', () => {
    expect(at('fn f() {\n    let mut buf = LazyBuffer::new(it);\n    buf.', 'rust')[0]).toBe('LazyBuffer');
    expect(at('struct Perm<I> {\n    pool: LazyBuffer<I>,\n}\nimpl<I> Perm<I> {\n    fn f(&mut self) {\n        self.pool.', 'rust')[0]).toBe('LazyBuffer');
    expect(at('fn g(h: &mut Haystack) {\n    h.', 'rust')[0]).toBe('Haystack');
    expect(at('fn g() {\n    PrefilterTest::', 'rust')).toEqual(['PrefilterTest']);
    expect(at('impl Display for Version {\n    fn fmt(&self) {\n        self.', 'rust')).toEqual(['Version', 'Display']);
  });

  it("falls back to the receiver's name as a type, and is empty off a member", () => {
    expect(at('    lazy_buffer.', 'python')).toEqual(['LazyBuffer']);
    expect(at('x = compute(', 'python')).toEqual([]);
  });

  it('the declaration nearest before the cursor wins over a later one', () => {
    const text = 'x = Alpha()\nx.';
    expect(receiverTypes(`${text}\nx = Beta()\n`, text.length, 'python')[0]).toBe('Alpha');
  });
});
