/**
 * The plugin API version this server implements, and the check of a plugin's `nootropic.apiVersion` range
 * against it. Bump the major on any incompatible change to plugins/api.ts.
 */
import semver from 'semver';

export const PLUGIN_API_VERSION = '1.0.0';

/** null when compatible, else the reason the plugin is refused. */
export function apiVersionProblem(range: string, implemented = PLUGIN_API_VERSION): string | null {
  if (semver.validRange(range) === null) return `nootropic.apiVersion "${range}" is not a semver range (e.g. "^1.0.0")`;
  if (!semver.satisfies(implemented, range)) return `needs plugin API ${range}, but this server implements ${implemented}`;
  return null;
}
