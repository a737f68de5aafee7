import { createHash } from 'node:crypto';

/** Deterministic text for a conversation: the same model and messages always give the same answer. */

const OPENINGS = [
  'At first light',
  'When the kettle sings',
  'Before you open your messages',
  'As the city wakes',
  'At the turning of the hour',
  'When the day feels heavy',
  'Under the evening lamp',
  'Before sleep',
];
const ACTS = [
  'light a small candle',
  'stand by the open window',
  'hold a warm cup in both hands',
  'write one sentence you are grateful for',
  'press your palms together',
  'step outside and feel the air',
  'place a stone on your desk',
  'water the plant nearest to you',
];
const BREATHS = [
  'breathe in for four counts and out for six',
  'take three slow breaths',
  'breathe as if the tide were moving through you',
  'count ten breaths without hurrying',
  'let each breath be a little longer than the last',
];
const CLOSINGS = [
  'and say quietly: this day is mine to shape.',
  'and let the noise of the morning settle.',
  'and name one thing you will finish today.',
  'and thank the people who carried you here.',
  'and promise yourself one kindness before noon.',
  'and let the worry leave with the last breath.',
];

export interface ChatMessage {
  role: string;
  content: string;
}

/** A stream of pseudo-random numbers seeded by a hash, so choices are repeatable. */
function seededChoices(seed: Buffer): () => number {
  let counter = 0;
  return () => {
    const digest = createHash('sha256').update(seed).update(String(counter++)).digest();
    return digest.readUInt32BE(0) / 2 ** 32;
  };
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

/** Rough token count (words and punctuation), close enough to a real tokenizer for usage figures. */
export function countTokens(text: string): number {
  return text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;
}

export function conversationDigest(model: string, messages: readonly ChatMessage[]): Buffer {
  return createHash('sha256').update(JSON.stringify({ model, messages })).digest();
}

/**
 * The assistant's reply: sentences built from the digest of the conversation, stopping before the
 * token budget is exceeded (at least one sentence).
 */
export function completionText(
  model: string,
  messages: readonly ChatMessage[],
  maxTokens = 120,
): { text: string; finishReason: 'stop' | 'length' } {
  const next = seededChoices(conversationDigest(model, messages));
  const sentenceCount = 2 + Math.floor(next() * 3);
  const sentences: string[] = [];
  for (let i = 0; i < sentenceCount; i++) {
    const sentence = `${pick(OPENINGS, next)}, ${pick(ACTS, next)}, ${pick(BREATHS, next)}, ${pick(CLOSINGS, next)}`;
    if (sentences.length > 0 && countTokens([...sentences, sentence].join(' ')) > maxTokens) {
      return { text: sentences.join(' '), finishReason: 'length' };
    }
    sentences.push(sentence);
  }
  return { text: sentences.join(' '), finishReason: 'stop' };
}
