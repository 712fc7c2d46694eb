// Judging the detection engine on labelled series (docs/detection.md, `selfheal evaluate`).
export { CorpusError, NAB_PROFILE_NAMES, NAB_PROFILES, NOTHING_THRESHOLD, probationRows, resolveSeries, scaledSigmoid, scoreCorpus } from './nab-score';
export type { FileScore, LabelledSeries, NabProfile, NabProfileName, NabReport, ProfileScore, ResolvedSeries } from './nab-score';
export { scoreSeries } from './run-series';
