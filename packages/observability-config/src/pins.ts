import { readFileSync } from 'node:fs';
import path from 'node:path';

/** An image images.env pins (LOKI_IMAGE=grafana/loki:3.7.6): the one place image versions are written. */
export function pinnedImage(root: string, variable: string): string {
  const pins = readFileSync(path.join(root, 'images.env'), 'utf8');
  const image = new RegExp(`^${variable}=(\\S+)$`, 'm').exec(pins)?.[1];
  if (!image?.includes(':')) throw new Error(`images.env pins no ${variable}=<image>:<tag>`);
  return image;
}
