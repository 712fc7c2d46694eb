/** A uniform random source on [0, 1), injected so that selection is reproducible in tests and benchmarks. */
export type UniformRandom = () => number;

/** mulberry32: a small, fast, seedable 32-bit PRNG; good enough for sampling, not for cryptography. */
export function mulberry32(seed: number): UniformRandom {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keeps logs and divisions finite when a source returns exactly 0 (or 1). */
function openUnit(random: UniformRandom): number {
  return Math.min(Math.max(random(), Number.EPSILON), 1 - Number.EPSILON);
}

/** Box–Muller; the second variate is dropped so that no hidden state survives between calls. */
function standardNormal(random: UniformRandom): number {
  const u1 = openUnit(random);
  const u2 = openUnit(random);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 use the boost Gamma(a) = Gamma(a + 1) · U^(1/a). */
export function sampleGamma(shape: number, random: UniformRandom): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(openUnit(random), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(random);
    const v = Math.pow(1 + c * x, 3);
    if (v <= 0) continue;
    const u = openUnit(random);
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(a: number, b: number, random: UniformRandom): number {
  const x = sampleGamma(a, random);
  const y = sampleGamma(b, random);
  return x / (x + y);
}
