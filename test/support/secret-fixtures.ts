/**
 * Secrets shaped like the real thing (not the vendors' documented examples, which rule sets skip on purpose),
 * built at run time so this repository holds none verbatim. `needles` are the substrings that must never be found
 * in anything nootropic writes.
 */
function pseudo(seed: number, n: number, alphabet: string): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += alphabet[(x >>> 16) % alphabet.length];
  }
  return out;
}

const UPPER_NUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export const AWS_KEY_ID = 'AKIA' + pseudo(1, 16, UPPER_NUM);
export const AWS_SECRET = pseudo(2, 40, B64);
const pemBody = Array.from({ length: 25 }, (_, i) => pseudo(100 + i, 64, B64)).join('\n');
export const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n-----END RSA PRIVATE KEY-----`;
export const GITHUB_TOKEN = 'ghp_' + pseudo(3, 36, ALNUM);
export const GITLAB_TOKEN = 'glpat-' + pseudo(4, 20, ALNUM);
export const SLACK_TOKEN = 'xoxb-' + pseudo(5, 12, '0123456789') + '-' + pseudo(6, 13, '0123456789') + '-' + pseudo(7, 24, ALNUM);
export const STRIPE_KEY = 'sk_' + 'live_' + pseudo(8, 24, ALNUM);
export const GOOGLE_KEY = 'AIza' + pseudo(9, 35, ALNUM);
export const DB_PASSWORD = pseudo(10, 18, ALNUM) + '7';

/** A config file as a repository might hold it. */
export const SECRET_CONFIG = [
  '# deploy settings',
  `aws_access_key_id = ${AWS_KEY_ID}`,
  `aws_secret_access_key = ${AWS_SECRET}`,
  `GITHUB_TOKEN=${GITHUB_TOKEN}`,
  `gitlab: ${GITLAB_TOKEN}`,
  `slack_webhook_token: "${SLACK_TOKEN}"`,
  `stripe = '${STRIPE_KEY}'`,
  `maps_key: ${GOOGLE_KEY}`,
  `password=${DB_PASSWORD}`,
  '',
].join('\n');

/** A TypeScript file that embeds an AWS pair and a PEM block. */
export const SECRET_SOURCE = [
  'export const awsConfig = {',
  `  accessKeyId: '${AWS_KEY_ID}',`,
  `  secretAccessKey: '${AWS_SECRET}',`,
  '};',
  '',
  `export const signingKey = \`${PEM}\`;`,
  '',
  'export function sign(data: string): string {',
  '  return data + signingKey.length;',
  '}',
  '',
].join('\n');

/** Distinctive substrings of every secret above: none may appear in anything written. */
export const NEEDLES: readonly string[] = [
  AWS_KEY_ID,
  AWS_SECRET.slice(10, 30),
  pemBody.split('\n')[3]!.slice(0, 40),
  pemBody.split('\n')[20]!.slice(0, 40),
  GITHUB_TOKEN.slice(4),
  GITLAB_TOKEN.slice(6),
  SLACK_TOKEN.slice(-20),
  STRIPE_KEY.slice(8),
  GOOGLE_KEY.slice(4),
  DB_PASSWORD,
];
