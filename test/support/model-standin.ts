/**
 * A stand-in model server on 127.0.0.1 that speaks the real wire protocols (Ollama and OpenAI-compatible),
 * so the product's real HTTP code is what gets tested. Grows with the model adapter; for now it answers the
 * discovery endpoints, and can stall (accept, never answer) to test timeouts and cancellation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinOptions {
  models?: string[];
  /** Accept requests but never answer them. */
  stall?: boolean;
}

export interface Standin {
  url: string;
  port: number;
  requests: { method: string; path: string }[];
  /** Connections closed by the client while their request was pending (cancellation reached HTTP). */
  abortedRequests: number;
  close(): Promise<void>;
}

export async function startModelStandin(opts: StandinOptions = {}): Promise<Standin> {
  const models = opts.models ?? ['qwen2.5-coder:7b'];
  const state = { requests: [] as { method: string; path: string }[], aborted: 0 };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    state.requests.push({ method: req.method ?? 'GET', path });
    if (opts.stall) {
      req.socket.once('close', () => {
        if (!res.writableEnded) state.aborted++;
      });
      return;
    }
    const body = () =>
      new Promise<unknown>((resolve) => {
        let raw = '';
        req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        req.on('end', () => {
          try {
            resolve(JSON.parse(raw || '{}'));
          } catch {
            resolve({});
          }
        });
      });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/api/tags') return json(200, { models: models.map((name) => ({ name, model: name, size: 1, details: {} })) });
    if (path === '/api/version') return json(200, { version: '0.0.0-standin' });
    if (path === '/v1/models') return json(200, { object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'standin' })) });
    if (path === '/api/embed' && req.method === 'POST') {
      void body().then((b) => {
        const input = (b as { input?: string | string[] }).input ?? [];
        json(200, { model: (b as { model?: string }).model, embeddings: (Array.isArray(input) ? input : [input]).map((t) => wordVector(t)) });
      });
      return;
    }
    if (path === '/v1/embeddings' && req.method === 'POST') {
      void body().then((b) => {
        const input = (b as { input?: string | string[] }).input ?? [];
        const data = (Array.isArray(input) ? input : [input]).map((t, index) => ({ object: 'embedding', index, embedding: wordVector(t) }));
        json(200, { object: 'list', data, model: (b as { model?: string }).model, usage: { prompt_tokens: 1, total_tokens: 1 } });
      });
      return;
    }
    json(404, { error: `no route ${path}` });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: state.requests,
    get abortedRequests() {
      return state.aborted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A deterministic bag-of-words embedding: texts that share words get close vectors. */
export function wordVector(text: string, dim = 32): number[] {
  const v = new Array<number>(dim).fill(0);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    let h = 2166136261;
    for (const ch of w) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    v[h % dim] = v[h % dim]! + 1;
  }
  return v;
}

/** A port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
