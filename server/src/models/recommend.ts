/**
 * Which local model to suggest for this machine: the largest chat model from the registry that fits the
 * memory that would hold it (the biggest GPU's VRAM when there is one, else 60% of RAM, leaving room for the
 * editor, the index and the OS). Prefers a model that is already installed among the near-best fits.
 */
import type { ModelMetadata } from '../../../shared/models/metadata';
import type { HardwareSummary } from './hardware';

export interface Recommendation {
  name: string;
  provider: 'ollama';
  reason: string;
  installed: boolean;
  /** How to get it, when it is not installed. */
  command?: string;
}

export function recommendLocalModel(hw: HardwareSummary, registry: readonly ModelMetadata[], installed: readonly string[] = []): Recommendation | null {
  const gpu = [...hw.gpus].sort((a, b) => b.memoryGiB - a.memoryGiB)[0];
  const ramBudget = Math.floor(hw.totalMemoryGiB * 0.6 * 10) / 10;
  // Registry figures already include working headroom, so a GPU's whole VRAM counts.
  const budget = gpu ? gpu.memoryGiB : ramBudget;
  const where = gpu ? `${gpu.name} (${gpu.memoryGiB} GiB VRAM)` : `${hw.totalMemoryGiB} GiB RAM, no GPU (using up to ${ramBudget} GiB)`;
  const local = registry.filter((m) => m.provider === 'ollama' && m.kind === 'chat' && m.toolCalls);
  const fits = local.filter((m) => m.minMemoryGiB <= budget).sort((a, b) => b.parametersB - a.parametersB);
  const best = fits[0];
  if (!best) return null;
  const isInstalled = (m: ModelMetadata) => installed.some((n) => n === m.name || n === `${m.name}:latest`);
  // An installed model at least half the size of the best fit saves a multi-GB download.
  const pick = isInstalled(best) ? best : (fits.find((m) => isInstalled(m) && m.parametersB >= best.parametersB / 2) ?? best);
  const installedNow = isInstalled(pick);
  return {
    name: pick.name,
    provider: 'ollama',
    reason: `largest tool-calling code model that fits ${where}: needs ~${pick.minMemoryGiB} GiB${pick.note ? `; ${pick.note}` : ''}`,
    installed: installedNow,
    ...(installedNow ? {} : { command: `ollama pull ${pick.name}` }),
  };
}
