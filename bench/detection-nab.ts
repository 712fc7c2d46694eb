// Detection quality on nab-dev (NAB's development half) through `selfheal evaluate`, the project's own NAB scoring:
// the default configuration on the whole corpus, on its tune half and on its check half (a split by file, stratified
// by category: within each category, in name order, files alternate tune, check, tune, ...), and an ablation that
// turns the engine's parts off one at a time.
// Run: npx tsx bench/detection-nab.ts [NAB_DEV_DIR]   (default ../shared/data/nab-dev; the ablation takes ~1 min)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const CORPUS = resolve(process.argv[2] ?? join(ROOT, '..', 'shared', 'data', 'nab-dev'));
const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

/** Each part of the engine off, one at a time (config overrides over the defaults). */
const ABLATION: [string, Record<string, unknown>][] = [
  ['full engine (default configuration)', {}],
  ['no likelihood: the plain point evidence scores rows', { likelihoodWarmupSamples: 1_000_000 }],
  ['no episode suppression: ongoing rows score like new ones', { ongoingScoreFactor: 1 }],
  ['neither (the previous engine, with unsaturated scores)', { likelihoodWarmupSamples: 1_000_000, ongoingScoreFactor: 1 }],
  ['no recurring-surprise discount', { recurringMinSurprise: 1000 }],
  ['no alarm spacing', { alarmSpacingSamples: 0 }],
  ['no alarm ranking against the largest earlier alarm', { alarmPeakWeight: 0 }],
  ['no alarm ranking by the count of earlier alarms', { alarmCountWeight: 0 }],
  ['no alarm ranking at all (neither size nor count)', { alarmPeakWeight: 0, alarmCountWeight: 0 }],
  ['no daily seasonal profile', { seasonPeriodMs: 0 }],
  ['no trend (Holt beta 0)', { beta: 0 }],
];

type Scores = Record<(typeof PROFILES)[number], number>;

function evaluate(dir: string, labels: string, config?: Record<string, unknown>): Scores {
  const args = [join(ROOT, 'bin/selfheal.js'), 'evaluate', '--corpus', CORPUS, '--labels', labels, '--json'];
  if (config) {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(config));
    args.push('--config', path);
  }
  // stderr is captured (a failure's error carries it); on success it only says the other half has no labels.
  const output = execFileSync('node', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  const report = JSON.parse(output);
  return Object.fromEntries(PROFILES.map((p) => [p, report[p].score as number])) as Scores;
}

function main(): void {
  const labelsPath = join(CORPUS, 'labels', 'combined_windows.json');
  const labels = JSON.parse(readFileSync(labelsPath, 'utf8')) as Record<string, unknown>;
  const byCategory = new Map<string, string[]>();
  for (const name of Object.keys(labels).sort()) {
    const category = name.split('/')[0]!;
    byCategory.set(category, [...(byCategory.get(category) ?? []), name]);
  }
  const tune: Record<string, unknown> = {};
  const check: Record<string, unknown> = {};
  for (const names of byCategory.values()) names.forEach((name, i) => ((i % 2 === 0 ? tune : check)[name] = labels[name]));
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-nab-'));
  try {
    writeFileSync(join(dir, 'tune.json'), JSON.stringify(tune));
    writeFileSync(join(dir, 'check.json'), JSON.stringify(check));
    const fmt = (s: Scores) => PROFILES.map((p) => s[p].toFixed(1).padStart(6)).join(' | ');
    console.log(`corpus ${CORPUS}: ${Object.keys(labels).length} files; tune ${Object.keys(tune).length}, check ${Object.keys(check).length}`);
    console.log('| part of nab-dev | standard | low FP | low FN |');
    console.log('| --- | --- | --- | --- |');
    console.log(`| all ${Object.keys(labels).length} files | ${fmt(evaluate(dir, labelsPath))} |`);
    console.log(`| tune half (${Object.keys(tune).length} files) | ${fmt(evaluate(dir, join(dir, 'tune.json')))} |`);
    console.log(`| check half (${Object.keys(check).length} files) | ${fmt(evaluate(dir, join(dir, 'check.json')))} |`);
    if (process.env.NO_ABLATION) return;
    console.log('\n| engine on all of nab-dev | standard | low FP | low FN |');
    console.log('| --- | --- | --- | --- |');
    for (const [label, config] of ABLATION) console.log(`| ${label} | ${fmt(evaluate(dir, labelsPath, config))} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
