/**
 * Data sovereignty: code goes only to loopback endpoints unless the user opted into cloud use. Checked before
 * any connection is opened, so a refused endpoint never sees a single packet.
 */
import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || host.startsWith('::ffff:127.');
  return false;
}

export type EndpointDecision = { allowed: true; url: URL } | { allowed: false; reason: string };

export function checkEndpoint(baseUrl: string, allowCloud: boolean): EndpointDecision {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { allowed: false, reason: `invalid endpoint URL ${JSON.stringify(baseUrl)}: expected e.g. http://127.0.0.1:11434` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { allowed: false, reason: `unsupported protocol ${url.protocol} in ${baseUrl}: use http or https` };
  }
  if (isLoopbackHost(url.hostname) || allowCloud) return { allowed: true, url };
  return {
    allowed: false,
    reason:
      `${url.host} is not on this machine and cloud use is off, so nothing was sent. ` +
      'To allow it, set NOOTROPIC_ALLOW_CLOUD=1 or the setting nootropic.models.allowCloud to true.',
  };
}
