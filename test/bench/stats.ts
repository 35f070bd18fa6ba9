// Order statistics for the benchmarks.
function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export function median(xs: readonly number[]): number {
  return sorted(xs)[Math.floor(xs.length / 2)] ?? 0;
}

export function p90(xs: readonly number[]): number {
  return sorted(xs)[Math.floor(xs.length * 0.9)] ?? 0;
}
