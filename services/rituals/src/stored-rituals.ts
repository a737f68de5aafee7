import { createHash } from 'node:crypto';
import type { RitualLength } from './generator.ts';

/**
 * Rituals written ahead of time, by length: what rituals serves instead of calling the model while the
 * LLM kill switch (flag `rituals-llm-kill-switch`) is on — docs/runbooks/LLMLatencyHigh.md.
 */
const STORED_RITUALS: Record<RitualLength, readonly string[]> = {
  standard: [
    'Sit comfortably and let your shoulders drop. Breathe in for four counts and out for six. Let the day settle around you.',
    'Place one hand on your chest. Notice three slow breaths without changing them. Carry that stillness into the next hour.',
    'Look at one thing near you and name its colour. Breathe out slowly. You are here, and that is enough for now.',
  ],
  extended: [
    'Sit comfortably and let your shoulders drop. Breathe in for four counts and out for six. Notice where your body touches the chair. Let each breath soften one place that holds tension. Picture the intention you came with as a small light. Let it grow a little with every breath out. When you are ready, open your eyes and carry it with you.',
    'Place one hand on your chest and one on your belly. Breathe in slowly through your nose. Feel which hand rises first. Breathe out through your mouth as if through a straw. Repeat this five times, counting quietly. Let the counting fade and the rhythm stay. Return to your day at the pace of that rhythm.',
    'Look around and name five things you can see. Listen for three sounds, near and far. Feel two points where your body meets the ground. Take one long breath in, and one longer breath out. Say your intention once, quietly, to yourself. Let it rest there without effort. Begin again whenever you need to.',
  ],
};

/** The model name a stored ritual's record carries, so nobody mistakes it for the model's text. */
export const STORED_RITUAL_MODEL = 'stored-ritual';

/** A stored ritual for an intention: the same intention gets the same text. */
export function storedRitual(intention: string, length: RitualLength): string {
  const texts = STORED_RITUALS[length];
  const index = createHash('sha256').update(intention).digest().readUInt32BE(0) % texts.length;
  return texts[index] ?? texts[0] ?? '';
}
