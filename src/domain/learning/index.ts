export { betaCdf, betaQuantile, lnGamma } from './beta-distribution';
export { selectGreedy, UNTRIED_RATE, type GreedyInput, type GreedyRate } from './greedy';
export {
  DAY_MS,
  DEFAULT_LEARNER_OPTIONS,
  discountWeight,
  posteriorFor,
  posteriorMean,
  recommendationPrior,
  type BetaPosterior,
  type LearnerOptions,
} from './posterior';
export { mulberry32, sampleBeta, sampleGamma, type UniformRandom } from './random';
export { learningStats } from './stats';
export { selectStrategy, type SelectionInput, type StrategySample, type StrategySelection } from './thompson';
