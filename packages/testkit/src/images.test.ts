import { describe, expect, it } from 'vitest';
import { imagePins, LOCALLY_BUILDABLE, parsePinFile, resolveImage } from './images.ts';

describe('the image pin file', () => {
  it('parses NAME_IMAGE=image lines and ignores comments and blank lines', () => {
    const pins = parsePinFile('# comment\n\nPROMETHEUS_IMAGE=prom/prometheus:v2.53.3\nNODE_IMAGE=node:24\n');
    expect(Object.fromEntries(pins)).toEqual({
      PROMETHEUS_IMAGE: 'prom/prometheus:v2.53.3',
      NODE_IMAGE: 'node:24',
    });
  });

  it('rejects a malformed line, naming the file and line number', () => {
    expect(() => parsePinFile('NODE_IMAGE=node:24\nprometheus = latest\n', 'images.env')).toThrow(
      /images\.env:2: expected NAME_IMAGE=registry\/image:tag/,
    );
  });

  it('pins every image with an explicit tag, never latest', () => {
    for (const [key, image] of imagePins()) {
      expect(image, key).toMatch(/:[\w.-]+$/);
      expect(image, key).not.toMatch(/:latest$/);
    }
  });

  it('pins every image CI builds as a stand-in', () => {
    for (const key of LOCALLY_BUILDABLE) expect(imagePins().has(key), key).toBe(true);
  });

  it('lets an environment variable of the same name override a pin', () => {
    expect(resolveImage('PROMETHEUS_IMAGE', { PROMETHEUS_IMAGE: 'mirror.local/prometheus:v2.53.3' })).toBe(
      'mirror.local/prometheus:v2.53.3',
    );
    expect(resolveImage('PROMETHEUS_IMAGE', {})).toBe(imagePins().get('PROMETHEUS_IMAGE'));
  });

  it('names the pin file when a key is not pinned', () => {
    expect(() => resolveImage('NOPE_IMAGE', {})).toThrow(/No image pinned as NOPE_IMAGE in .*images\.env/);
  });
});
