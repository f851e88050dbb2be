/** One measured figure: the gateway, the raw baseline doing the same work, and their ratio. */
export interface BenchFigure {
  figure: string;
  unit: string;
  gateway: number;
  baseline: number | null;
  /** gateway / baseline */
  ratio: number | null;
}

export function figure(name: string, unit: string, gateway: number, baseline: number | null): BenchFigure {
  return {
    figure: name,
    unit,
    gateway: round(gateway),
    baseline: baseline === null ? null : round(baseline),
    ratio: baseline ? round(gateway / baseline, 3) : null,
  };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The q-quantile (0..1) of samples. */
export function quantile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Resident memory of a process in bytes (Linux /proc). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}
