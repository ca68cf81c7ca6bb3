/**
 * LanceDB, loaded on first use. Its JS is bundled but its N-API binary comes from a per-platform package
 * (`@lancedb/lancedb-<platform>`, placed in dist/node_modules/ by the build and by `npm run package` for each
 * .vsix target). Loading it lazily means a machine without a binary for its platform (a .vsix for another platform,
 * a platform LanceDB does not build for) still starts the server: the index and agent memory report why they are
 * unavailable (status, `nootropic doctor`, the log) instead of the server crashing at start-up.
 */
type LanceDb = typeof import('@lancedb/lancedb');

let loaded: Promise<LanceDb> | undefined;

/** The platform package LanceDB looks for on this machine, e.g. `@lancedb/lancedb-linux-x64-gnu`. */
export function lanceDbPlatformPackage(platform: string = process.platform, arch: string = process.arch): string {
  const abi = platform === 'linux' ? '-gnu' : platform === 'win32' ? '-msvc' : '';
  return `@lancedb/lancedb-${platform}-${arch}${abi}`;
}

export function loadLanceDb(): Promise<LanceDb> {
  loaded ??= import('@lancedb/lancedb').catch((err: unknown) => {
    loaded = undefined;
    const first = ((err as Error).message ?? String(err)).split('\n')[0]!.split('. ')[0];
    throw new Error(
      `LanceDB's native module for ${process.platform}-${process.arch} is missing (${lanceDbPlatformPackage()}): the vector index and agent memory are unavailable. Install the .vsix built for this platform, or run from an npm install. (${first})`,
    );
  });
  return loaded;
}
