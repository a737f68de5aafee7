/** 1.5 GiB, 256 MiB, 900 KiB: memory for people. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 10 || unit === 0 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Parses docker's sizes ("123.4MiB", "1.2GB", "512kB") into bytes. */
export function parseDockerSize(text: string): number {
  const match = /^([\d.]+)\s*([KMGT]?i?B)$/i.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new Error(`not a docker size: "${text}"`);
  const unit = match[2].toUpperCase();
  const binary = unit.includes('I');
  const power = { B: 0, K: 1, M: 2, G: 3, T: 4 }[unit[0] as 'B' | 'K' | 'M' | 'G' | 'T'];
  return Number(match[1]) * (binary ? 1024 : 1000) ** power;
}
