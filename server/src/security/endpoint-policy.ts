/**
 * Data sovereignty: code goes only to loopback endpoints unless the user opted into cloud use. Checked before
 * any connection is opened, so a refused endpoint never sees a single packet.
 * Loopback is decided on the resolved address: a name (`localhost`, `*.localhost`, anything) counts as local
 * only when every address it resolves to is 127.0.0.0/8 or ::1 (`checkEndpointResolved`); the name alone is
 * only a first pass.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
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

/** Resolves a host name to all its addresses (dns.lookup semantics: /etc/hosts, then DNS). Injectable for tests. */
export type HostLookup = (hostname: string) => Promise<Array<{ address: string }>>;
const defaultLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** 127.0.0.0/8, ::1 or an IPv4-mapped 127.x address; names are not addresses. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(a) === 0) return false;
  return isLoopbackHost(a);
}

/** Literal loopback only (an address, or the name `localhost`): what settings may name without approval. */
export function isLiteralLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || isLoopbackAddress(h);
}

/** True when `hostname` is a loopback address or a name whose every resolved address is loopback. */
export async function resolvesToLoopback(hostname: string, lookup: HostLookup = defaultLookup): Promise<boolean> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isLoopbackAddress(host);
  try {
    const addresses = await lookup(host);
    return addresses.length > 0 && addresses.every((a) => isLoopbackAddress(a.address));
  } catch {
    return false;
  }
}

/** `checkEndpoint`, then (without cloud opt-in) the resolved-address check: a local-looking name that resolves elsewhere is refused. */
export async function checkEndpointResolved(baseUrl: string, allowCloud: boolean, lookup: HostLookup = defaultLookup): Promise<EndpointDecision> {
  const first = checkEndpoint(baseUrl, allowCloud);
  if (!first.allowed || allowCloud) return first;
  if (await resolvesToLoopback(first.url.hostname, lookup)) return first;
  return {
    allowed: false,
    reason:
      `${first.url.host} does not resolve to this machine (only 127.0.0.0/8 and ::1 count as loopback) and cloud use is off, so nothing was sent. ` +
      'To allow it, set NOOTROPIC_ALLOW_CLOUD=1 or the setting nootropic.models.allowCloud to true.',
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The lookup a socket uses (net.connect's `lookup` option, also an http.Agent option). */
export type SocketLookup = (hostname: string, options: LookupAllOptions | LookupOneOptions | number, callback: LookupCallback) => void;

/**
 * A socket lookup that hands the connection only loopback addresses: the name is resolved again at connect time,
 * and an answer holding any other address fails the connection instead of following it (DNS rebinding: a name
 * that resolved to 127.0.0.1 when the policy was checked and to another host now). `resolve` is injectable for tests.
 */
export function loopbackOnlyLookup(resolve: HostLookup = defaultLookup): SocketLookup {
  return (hostname, options, callback) => {
    const all = typeof options === 'object' && options !== null && 'all' in options && options.all === true;
    resolve(hostname).then(
      (addresses) => {
        const bad = addresses.find((a) => !isLoopbackAddress(a.address));
        if (!addresses.length || bad) {
          const err: NodeJS.ErrnoException = new Error(`${hostname} now resolves to ${bad?.address ?? 'nothing'}, not to this machine; the connection was not made (cloud use is off)`);
          err.code = 'ENOTLOOPBACK';
          callback(err, all ? [] : '');
          return;
        }
        const list = addresses.map((a) => ({ address: a.address, family: isIP(a.address) }));
        if (all) callback(null, list);
        else callback(null, list[0]!.address, list[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, all ? [] : ''),
    );
  };
}
