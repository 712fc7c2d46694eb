// The lint rules the architecture relies on (eslint.config.mjs) really fire: each probe below is code that breaks one
// of them, linted as if it lived where the rule applies. Type-aware rules are off here (the probes are not on disk,
// so the TypeScript project service cannot see them); no-floating-promises is checked on the real tree by npm test.
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../../..');
const eslint = new ESLint({ cwd: repo, overrideConfig: [tseslint.configs.disableTypeChecked] });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repo, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('eslint.config.mjs', () => {
  it('keeps Node built-ins, other modules and side-effect imports out of workflow code; type imports are fine', async () => {
    expect(await problems('workflows/probe.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n")).toEqual([
      expect.stringContaining("'node:fs' import is restricted"),
    ]);
    expect(await problems('workflows/probe.ts', "import { loadConfig } from '../src/config';\nexport const f = loadConfig;\n")).toEqual([
      expect.stringContaining("'../src/config' import is restricted"),
    ]);
    expect(await problems('workflows/probe.ts', "import './journal';\n")).toEqual([expect.stringContaining('No side-effect imports')]);
    const allowed = [
      "import type { Config } from '../src/config';",
      "import { sleep } from '@temporalio/workflow';",
      "import { defineSearchAttributeKey } from '@temporalio/common';",
      "import { shortLocal } from './activity-options';",
      'export const f = (c: Config) => [sleep, defineSearchAttributeKey, shortLocal, c];',
    ].join('\n');
    expect(await problems('workflows/probe.ts', allowed + '\n')).toEqual([]);
  });

  it('keeps adapters, the API, activities and entry points out of the domain, even as types', async () => {
    expect(await problems('src/domain/probe.ts', "import type { ContainerRuntime } from '../adapters/ports';\nexport type X = ContainerRuntime;\n")).toEqual([
      expect.stringContaining("'../adapters/ports' import is restricted"),
    ]);
    expect(await problems('src/domain/detection/probe.ts', "import { createActivities } from '../../../activities';\nexport const f = createActivities;\n")).toEqual([
      expect.stringContaining("'../../../activities' import is restricted"),
    ]);
    expect(await problems('src/domain/probe.ts', "import type { HealPlan } from './heal';\nexport type X = HealPlan;\n")).toEqual([]);
  });

  it('keeps the API out of adapters', async () => {
    expect(await problems('src/adapters/neo4j/probe.ts', "import { buildApp } from '../../api/app';\nexport const f = buildApp;\n")).toEqual([
      expect.stringContaining("'../../api/app' import is restricted"),
    ]);
  });
});
