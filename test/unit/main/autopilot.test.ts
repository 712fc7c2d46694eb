// The worker's policy file: off when unset, versioned by its content, and a bad file stops the worker naming the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { loadAutopilotPolicy } from '../../../src/main/autopilot';
import { levelFor, PolicyFileError } from '../../../src/domain/autopilot';

function policyFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'selfheal-policy-')), 'autopilot.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadAutopilotPolicy', () => {
  it('is off (null) without AUTOPILOT_POLICY_FILE', () => {
    expect(loadAutopilotPolicy(loadConfig({}))).toBeNull();
  });

  it('loads the demo policy: restart_unhealthy in auto for api, shadow for the rest', () => {
    const file = path.resolve(__dirname, '../../../deploy/autopilot-demo.yaml');
    const policy = loadAutopilotPolicy(loadConfig({ AUTOPILOT_POLICY_FILE: file }))!;
    expect(levelFor(policy, 'api', 'restart_unhealthy')).toMatchObject({ level: 'auto', source: file });
    expect(levelFor(policy, 'api', 'scale_service').level).toBe('shadow');
    expect(levelFor(policy, 'worker', 'restart_unhealthy').level).toBe('shadow');
  });

  it('names the version by the content: the same text the same version, another text another', () => {
    const version = (text: string) => loadAutopilotPolicy(loadConfig({ AUTOPILOT_POLICY_FILE: policyFile(text) }))!.version;
    expect(version('services:\n  api: {}\n')).toMatch(/^[0-9a-f]{16}$/);
    expect(version('services:\n  api: {}\n')).toBe(version('services:\n  api: {}\n'));
    expect(version('services:\n  api: {}\n')).not.toBe(version('services:\n  web: {}\n'));
  });

  it('refuses a bad file with the file and the field', () => {
    const file = policyFile('services:\n  api:\n    strategies:\n      restart_unhealthy: always\n');
    expect(() => loadAutopilotPolicy(loadConfig({ AUTOPILOT_POLICY_FILE: file }))).toThrow(PolicyFileError);
    expect(() => loadAutopilotPolicy(loadConfig({ AUTOPILOT_POLICY_FILE: file }))).toThrow(`${file}: field services.api.strategies.restart_unhealthy: "always" is not a level`);
  });

  it('refuses a scrape target outside the verifiers\' URL allowlist, naming the target', () => {
    const file = policyFile('services:\n  api:\n    scrape: [{url: "http://169.254.169.254/latest"}]\n');
    expect(() => loadAutopilotPolicy(loadConfig({ AUTOPILOT_POLICY_FILE: file, VERIFY_HTTP_ALLOWLIST: 'http://127.0.0.1:9100/' }))).toThrow(
      `${file}: field services.api.scrape[0].url: not under a VERIFY_HTTP_ALLOWLIST prefix (http://127.0.0.1:9100/)`,
    );
  });
});
