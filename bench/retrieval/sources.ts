/**
 * The retrieval dev set's repositories: real source in five languages from Debian packages (`apt-get download`,
 * unpacked with `dpkg-deb -x`, no install) and npm tarballs (`npm pack`), cached under bench/.cache/retrieval/src/.
 * Split by repository into a tune half (the scoring constants were chosen on it, `inspect.ts`) and a report half
 * that tuning never looked at. click, requests, cobra, gin, express, zod and ky are left out on purpose: the
 * maintainers' own held-out set is built from them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error plain JS helper shared by the benchmarks
import { fetchPackage } from '../fetch-npm.mjs';

export type Lang = 'python' | 'go' | 'rust' | 'java' | 'js/ts';
export type Half = 'tune' | 'report';

export interface RepoSpec {
  /** Folder name in the indexed copy (the "package" of the cross-package rule). */
  name: string;
  lang: Lang;
  half: Half;
  /** `deb:<package>:<folder inside it>`, `jdk:<folder inside src.zip>` or `npm:<spec>`. */
  source: string;
  /** Files to copy, relative to the folder. */
  include: RegExp;
}

export const REPOS: RepoSpec[] = [
  // Python (Debian python3-*)
  { name: 'jinja2', lang: 'python', half: 'tune', source: 'deb:python3-jinja2:usr/lib/python3/dist-packages/jinja2', include: /\.py$/ },
  { name: 'sqlparse', lang: 'python', half: 'tune', source: 'deb:python3-sqlparse:usr/lib/python3/dist-packages/sqlparse', include: /\.py$/ },
  { name: 'attr', lang: 'python', half: 'tune', source: 'deb:python3-attr:usr/lib/python3/dist-packages/attr', include: /\.py$/ },
  { name: 'werkzeug', lang: 'python', half: 'report', source: 'deb:python3-werkzeug:usr/lib/python3/dist-packages/werkzeug', include: /\.py$/ },
  { name: 'markdown', lang: 'python', half: 'report', source: 'deb:python3-markdown:usr/lib/python3/dist-packages/markdown', include: /\.py$/ },
  { name: 'dateutil', lang: 'python', half: 'report', source: 'deb:python3-dateutil:usr/lib/python3/dist-packages/dateutil', include: /\.py$/ },
  // Go (Debian golang-*-dev)
  { name: 'pflag', lang: 'go', half: 'tune', source: 'deb:golang-github-spf13-pflag-dev:usr/share/gocode/src/github.com/spf13/pflag', include: /\.go$/ },
  { name: 'go-cmp', lang: 'go', half: 'tune', source: 'deb:golang-github-google-go-cmp-dev:usr/share/gocode/src/github.com/google/go-cmp', include: /\.go$/ },
  { name: 'logrus', lang: 'go', half: 'report', source: 'deb:golang-github-sirupsen-logrus-dev:usr/share/gocode/src/github.com/sirupsen/logrus', include: /\.go$/ },
  { name: 'toml', lang: 'go', half: 'report', source: 'deb:golang-github-burntsushi-toml-dev:usr/share/gocode/src/github.com/BurntSushi/toml', include: /\.go$/ },
  { name: 'errors', lang: 'go', half: 'report', source: 'deb:golang-github-pkg-errors-dev:usr/share/gocode/src/github.com/pkg/errors', include: /\.go$/ },
  // Rust (Debian librust-*-dev)
  { name: 'itertools', lang: 'rust', half: 'tune', source: 'deb:librust-itertools-dev:usr/share/cargo/registry/itertools-0.10.3', include: /^src\/.*\.rs$/ },
  { name: 'memchr', lang: 'rust', half: 'tune', source: 'deb:librust-memchr-dev:usr/share/cargo/registry/memchr-2.5.0', include: /^src\/.*\.rs$/ },
  { name: 'semver', lang: 'rust', half: 'report', source: 'deb:librust-semver-dev:usr/share/cargo/registry/semver-1.0.14', include: /^src\/.*\.rs$/ },
  { name: 'bytes', lang: 'rust', half: 'report', source: 'deb:librust-bytes-dev:usr/share/cargo/registry/bytes-1.2.1', include: /^src\/.*\.rs$/ },
  { name: 'regex-syntax', lang: 'rust', half: 'report', source: 'deb:librust-regex-syntax-dev:usr/share/cargo/registry/regex-syntax-0.6.27', include: /^src\/.*\.rs$/ },
  // Java (Debian openjdk-17-source: the JDK's own sources)
  { name: 'java-util', lang: 'java', half: 'tune', source: 'jdk:java.base/java/util', include: /^[A-Za-z]+\.java$/ },
  { name: 'java-io', lang: 'java', half: 'report', source: 'jdk:java.base/java/io', include: /^[A-Za-z]+\.java$/ },
  { name: 'java-time', lang: 'java', half: 'report', source: 'jdk:java.base/java/time', include: /\.java$/ },
  // JavaScript / TypeScript (npm)
  { name: 'lodash-es', lang: 'js/ts', half: 'tune', source: 'npm:lodash-es@4.17.21', include: /^[^/]+\.js$/ },
  { name: 'rxjs', lang: 'js/ts', half: 'tune', source: 'npm:rxjs@7.8.1', include: /^src\/internal\/.*\.ts$/ },
  { name: 'ramda', lang: 'js/ts', half: 'report', source: 'npm:ramda@0.29.1', include: /^src\/.*\.js$/ },
  { name: 'axios', lang: 'js/ts', half: 'report', source: 'npm:axios@1.7.7', include: /^lib\/.*\.js$/ },
  { name: 'underscore', lang: 'js/ts', half: 'report', source: 'npm:underscore@1.13.6', include: /^modules\/.*\.js$/ },
];

function unpackDeb(cache: string, pkg: string): string {
  const dir = path.join(cache, 'deb', pkg);
  if (existsSync(path.join(dir, '.done'))) return dir;
  mkdirSync(dir, { recursive: true });
  execFileSync('apt-get', ['download', pkg], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} gave no .deb (run apt-get update first)`);
  execFileSync('dpkg-deb', ['-x', path.join(dir, deb), dir]);
  execFileSync('touch', [path.join(dir, '.done')]);
  return dir;
}

/** The folder holding a repository's source, fetched on first use. */
export function fetchRepo(cache: string, spec: RepoSpec): string {
  const [kind, a, b] = spec.source.split(':') as [string, string, string | undefined];
  if (kind === 'npm') return fetchPackage(a) as string;
  if (kind === 'deb') return path.join(unpackDeb(cache, a), b!);
  if (kind === 'jdk') {
    const jdk = unpackDeb(cache, 'openjdk-17-source');
    const out = path.join(jdk, 'src');
    if (!existsSync(path.join(out, a))) execFileSync('unzip', ['-q', '-o', path.join(jdk, 'usr/lib/jvm/openjdk-17/lib/src.zip'), `${a}/*`, '-d', out]);
    return path.join(out, a);
  }
  throw new Error(`unknown source ${spec.source}`);
}
