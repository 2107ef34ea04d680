/**
 * The pass/fail tone of the bench: a short high beep for a pass, two low ones for a failure, made with
 * the Web Audio API (an OscillatorNode through a GainNode;
 * https://developer.mozilla.org/en-US/docs/Web/API/Web_Audio_API). No sound files.
 */

/** Which tone. */
export type ToneKind = 'pass' | 'fail';

/** Frequency (Hz), beep length (s) and count of each tone. */
export const TONES: Record<ToneKind, { hz: number; seconds: number; beeps: number }> = {
  pass: { hz: 1320, seconds: 0.15, beeps: 1 },
  fail: { hz: 330, seconds: 0.25, beeps: 2 },
};

let ctx: AudioContext | undefined;

/**
 * Plays the tone. Silently does nothing where Web Audio is unavailable (the tone is a help, not the
 * signal: the tile's colour and word are).
 */
export function playTone(kind: ToneKind): void {
  const Ctor = typeof window !== 'undefined' ? window.AudioContext : undefined;
  if (!Ctor) return;
  try {
    ctx ??= new Ctor();
    void ctx.resume?.();
    const t = TONES[kind];
    for (let i = 0; i < t.beeps; i++) {
      const start = ctx.currentTime + i * (t.seconds + 0.08);
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = t.hz;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + t.seconds);
    }
  } catch {
    // no audio device: nothing to do
  }
}
