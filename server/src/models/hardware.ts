/**
 * What this machine can run: memory, CPU features that decide llama.cpp's speed (AVX2/AVX-512/NEON), and NVIDIA
 * GPUs through `nvidia-smi` when it is on PATH. Each probe reports what it saw; a missing tool is a fact, not
 * an error.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { childEnv } from '../../../shared/security/child-env';
import { findOnPath } from '../doctor/on-path';

export interface GpuInfo {
  name: string;
  memoryGiB: number;
  driver?: string;
}

export interface HardwareSummary {
  platform: string;
  arch: string;
  totalMemoryGiB: number;
  freeMemoryGiB: number;
  cpu: { model: string; cores: number; features: string[] };
  gpus: GpuInfo[];
  /** How the GPU list was obtained, or why it is empty. */
  gpuProbe: string;
}

const INTERESTING = ['avx', 'avx2', 'avx512f', 'fma', 'f16c', 'neon', 'asimd', 'sve'];
const gib = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;

export async function cpuFeatures(cpuinfoPath = '/proc/cpuinfo'): Promise<string[]> {
  try {
    const text = await readFile(cpuinfoPath, 'utf8');
    const line = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(text);
    if (!line) return [];
    const flags = new Set(line[1]!.trim().split(/\s+/));
    return INTERESTING.filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

/** `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits` output → GPUs. */
export function parseNvidiaSmi(stdout: string): GpuInfo[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name, mem, driver] = l.split(',').map((s) => s.trim());
      const mib = Number(mem);
      return { name: name ?? 'unknown', memoryGiB: Number.isFinite(mib) ? Math.round((mib / 1024) * 10) / 10 : 0, ...(driver ? { driver } : {}) };
    });
}

const NO_NVIDIA_SMI = 'nvidia-smi not on PATH: no NVIDIA GPU detected';

export async function probeNvidia(signal: AbortSignal, timeoutMs = 5_000): Promise<{ gpus: GpuInfo[]; probe: string }> {
  const env = childEnv();
  // Looked up first: most machines have no nvidia-smi, and a spawn that fails still stalls the event loop.
  if (!(await findOnPath('nvidia-smi', env))) return { gpus: [], probe: NO_NVIDIA_SMI };
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'],
      { env, timeout: timeoutMs, signal, windowsHide: true },
      (err, stdout) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          resolve({ gpus: [], probe: code === 'ENOENT' ? NO_NVIDIA_SMI : `nvidia-smi failed: ${err.message.split('\n')[0]}` });
          return;
        }
        const gpus = parseNvidiaSmi(String(stdout));
        resolve({ gpus, probe: `nvidia-smi: ${gpus.length} GPU(s)` });
      },
    );
  });
}

let cached: Promise<HardwareSummary> | undefined;

/** Hardware does not change while the server runs: probe once. */
export function detectHardware(signal: AbortSignal = new AbortController().signal): Promise<HardwareSummary> {
  cached ??= (async () => {
    const cpus = os.cpus();
    const [features, nvidia] = await Promise.all([cpuFeatures(), probeNvidia(signal)]);
    return {
      platform: os.platform(),
      arch: os.arch(),
      totalMemoryGiB: gib(os.totalmem()),
      freeMemoryGiB: gib(os.freemem()),
      cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, features },
      gpus: nvidia.gpus,
      gpuProbe: nvidia.probe,
    };
  })();
  return cached;
}
