// The operator dashboard in headless Chromium against the real stack: sign-in, a service's baseline chart from real
// analyses, a dry run and an applied heal (approved from the page) whose timeline grows live from Socket.IO events,
// and the learning chart. Screenshots go to test-artifacts/dashboard/.
// The DOM types are for the functions that run in the page (page.evaluate).
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, type Browser } from '../helpers/browser';
import { createServiceContainer, makeUnhealthy, removeContainers } from '../helpers/containers';
import { startTestStack, type TestStack } from '../helpers/stack';

const service = `dash-${randomUUID().slice(0, 8)}`;
let stack: TestStack;
let browser: Browser;
let container: { name: string };
const requested: string[] = [];

beforeAll(async () => {
  // Analyses wait up to a minute: these tests are about behaviour, and the shared machine may be busy.
  stack = await startTestStack({ ANALYZE_TIMEOUT_MS: '60000' });
  container = await createServiceContainer(service);
  browser = await openBrowser('dashboard');
  browser.page.on('request', (request) => requested.push(request.url()));
});

afterAll(async () => {
  await browser?.close();
  await removeContainers({ label: `selfheal.service=${service}` });
  await stack?.stop();
});

/** The datasets of a Chart.js chart on the page, by label: the y values (or [low, high] pairs) it draws. */
function chartData(canvasSelector: string) {
  return browser.page.evaluate((selector) => {
    const canvas = document.querySelector(selector);
    const chart = canvas ? (window as any).Chart.getChart(canvas) : undefined;
    if (!chart) return null;
    const values = (d: any) => d.data.map((p: any) => (p !== null && typeof p === 'object' && 'y' in p ? p.y : p));
    return { labels: chart.data.labels as string[] | undefined, sets: Object.fromEntries(chart.data.datasets.map((d: any) => [d.label, values(d)])) };
  }, canvasSelector);
}

/** Starts recording, per step name, when it first appeared in the timeline (epoch ms). */
async function recordTimeline(): Promise<void> {
  await browser.page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as any).stepsSeen = seen;
    const timeline = document.getElementById('timeline')!;
    const note = () => {
      for (const li of timeline.querySelectorAll<HTMLElement>('li[data-step]')) seen[li.dataset.step!] ??= Date.now();
    };
    note();
    new MutationObserver(note).observe(timeline, { childList: true });
  });
}

const stepsSeen = () => browser.page.evaluate(() => ({ ...(window as any).stepsSeen }) as Record<string, number>);

describe('the operator dashboard', () => {
  let diagnosis: Record<string, unknown>;

  it('refuses a bad token, then signs in with an operator token kept in session storage', async () => {
    const { page } = browser;
    await page.goto(`${stack.baseUrl}/`);
    await page.locator('#login').waitFor();
    await browser.screenshot('login', '#login');
    await page.fill('#token-input', 'not-a-token');
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toContain('Sign-in failed');

    const token = stack.token('operator', 'dashboard-tester');
    await page.fill('#token-input', token);
    await page.click('#login-form button[type=submit]');
    await page.locator('#dashboard').waitFor();
    expect(await page.textContent('#whoami')).toBe('dashboard-tester · operator');
    expect(await page.evaluate(() => sessionStorage.getItem('selfheal.token'))).toBe(token);
    await page.reload();
    await page.locator('#dashboard').waitFor();
    await expect.poll(() => page.textContent('#live')).toBe('live');
    await page.evaluate(() => ((window as any).sameDocument = true));
  });

  it('draws each metric with its baseline band and marks the anomaly by severity', async () => {
    const normal = [0.01, 0.012, 0.009, 0.011, 0.01, 0.013, 0.011, 0.01];
    for (const [i, errorRate] of normal.entries()) {
      const res = await stack.call('POST', '/api/self_healing/analyze', { service, metrics: { error_rate: errorRate, latency_p95: 200 + (i % 3) * 4 } });
      expect(res.status).toBe(200);
    }
    const spike = await stack.call('POST', '/api/self_healing/analyze', { service, metrics: { error_rate: 0.3, latency_p95: 205 }, context: { services: [service], containers: [container.name] } });
    expect(spike.body.anomalies).toEqual([expect.objectContaining({ metric: 'error_rate', severity: 'high' })]);
    diagnosis = spike.body.diagnosis;

    const { page } = browser;
    await page.locator(`#service-select option[value="${service}"]`).waitFor({ state: 'attached' });
    await page.selectOption('#service-select', service);
    const errorChart = `figure[data-metric="error_rate"] canvas`;
    await expect.poll(async () => (await chartData(errorChart))?.sets.value?.length, { timeout: 15_000 }).toBe(9);
    const chart = (await chartData(errorChart))!;
    expect(chart.sets.value).toEqual([...normal, 0.3]);
    expect(chart.sets['high anomaly']).toEqual([0.3]);
    expect(chart.sets['medium anomaly']).toEqual([]);
    const [upper, lower, expected] = [chart.sets['band upper']![0], chart.sets['band lower']![0], chart.sets.expected![0]];
    // The robust baseline is not dragged up by the spike: the band stays around the normal values, below it.
    expect(lower).toBeLessThan(expected);
    expect(expected).toBeLessThan(upper);
    expect(upper).toBeLessThan(0.3);
    expect(expected).toBeGreaterThan(0.005);
    expect(await page.textContent('figure[data-metric="error_rate"] figcaption')).toContain('1 anomaly');
    expect((await chartData('figure[data-metric="latency_p95"] canvas'))!.sets['high anomaly']).toEqual([]);
    expect(await page.textContent('#band-k')).toBe('2');
    expect(await page.textContent('#service-note')).toContain('9 analyses · 1 anomaly');
    await browser.screenshot('baseline', '#services-card');
  });

  it('shows a dry run in the heal list and its timeline', async () => {
    await makeUnhealthy(container.name);
    const res = await stack.call('POST', '/api/self_healing/heal', { issue: { diagnosis }, context: { services: [service], containers: [container.name] }, strategy: 'restart_unhealthy' });
    expect(res.status).toBe(200);
    const row = browser.page.locator(`#heal-list tr[data-key="${res.body.workflow_id}/${res.body.run_id}"]`);
    await row.waitFor();
    await row.click();
    await browser.page.locator('#timeline li[data-step="completed"]').waitFor();
    expect(await row.textContent()).toContain('dry run');
    expect(await browser.page.textContent('#timeline-head')).toContain('planned');
    expect(await browser.page.locator('#timeline li').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.step))).toEqual(['planned', 'completed']);
    expect(await browser.page.isVisible('#approval')).toBe(false);
  });

  it('follows an applied heal live: approval requested, approved from the page, restarted, verified', async () => {
    const { page } = browser;
    const res = await stack.call('POST', '/api/self_healing/heal', {
      issue: { diagnosis },
      context: { services: [service], containers: [container.name] },
      dry_run: false,
      strategy: 'restart_unhealthy',
      require_approval: true,
      verify: [{ name: 'container_health', params: { hold_seconds: 2 } }],
    });
    expect(res.status).toBe(202);
    const { workflow_id: workflowId, run_id: runId } = res.body;
    await page.locator(`#heal-list tr[data-key="${workflowId}/${runId}"]`).click();
    await recordTimeline();
    await page.locator('#approval').waitFor();
    await page.locator('#timeline li[data-step="approval_requested"]').waitFor();
    expect(await page.getAttribute('#temporal-link', 'href')).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/history`);
    await browser.screenshot('timeline-awaiting-approval', '#timeline-card');

    const approvedAt = Date.now();
    await page.click('#approve');
    await page.locator('#timeline li[data-step="completed"]').waitFor({ timeout: 90_000 });
    const seen = await stepsSeen();
    // Each step appeared in the page after the one before, as its event arrived: nothing after approval was there
    // before the click, and verification (held for 2 s) spread them over time.
    expect(seen.approval_requested).toBeLessThan(approvedAt);
    const order = ['approved', 'action_started', 'action_completed', 'verification', 'verified', 'completed'];
    for (const [i, step] of order.entries()) {
      expect(seen[step], step).toBeGreaterThanOrEqual(i === 0 ? approvedAt : seen[order[i - 1]!]!);
    }
    expect(seen.completed! - seen.approved!).toBeGreaterThan(1500);
    expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
    expect(await page.textContent('#timeline li[data-step="action_completed"]')).toContain(`restart_container → container:${container.name}`);
    expect(await page.textContent('#timeline-head')).toContain('verified');
    expect(await page.isVisible('#approval')).toBe(false);
    await expect.poll(() => page.textContent(`#heal-list tr[data-key="${workflowId}/${runId}"]`)).toContain('verified');
    await browser.screenshot('timeline', '#timeline-card');
  });

  it('charts each strategy posterior mean inside its 90% credible interval', async () => {
    const { page } = browser;
    // The page redraws when a heal completes; other heals may complete meanwhile, so compare with the API's figures
    // until both agree.
    const current = async () => {
      const learning = await stack.call('GET', '/api/self_healing/learning', undefined, 'viewer');
      const stat = learning.body.stats.find((s: any) => s.strategy === 'restart_unhealthy' && s.issue_type === 'degradation');
      const chart = await chartData('#learning-chart');
      const row = chart?.labels?.indexOf(`restart_unhealthy · degradation (${stat.successes}/${stat.attempts})`) ?? -1;
      return { stat, chart, row };
    };
    await expect.poll(async () => (await current()).row, { timeout: 15_000 }).toBeGreaterThanOrEqual(0);
    const { stat, chart: found, row } = await current();
    const chart = found!;
    expect(stat.attempts).toBeGreaterThanOrEqual(1);
    expect(chart.sets['posterior mean']![row]).toBeCloseTo(stat.posterior_mean, 6);
    expect(chart.sets['90% credible interval']![row]).toEqual(stat.credible_interval_90);
    chart.labels!.forEach((_, i) => {
      const [low, high] = chart.sets['90% credible interval']![i] as unknown as [number, number];
      expect(low).toBeLessThanOrEqual(chart.sets['posterior mean']![i] as number);
      expect(chart.sets['posterior mean']![i] as number).toBeLessThanOrEqual(high);
    });
    expect(await page.locator('#strategy-table tr[data-strategy="restart_unhealthy"]').textContent()).toContain('low');
    await browser.screenshot('learning', '#learning-card');
    // Other heals (other tests, other services) share the stack: list only this service's for the overview.
    await page.check('#only-service');
    expect(await page.locator('#heal-list tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.service))).toEqual([service, service]);
    await browser.screenshot('dashboard');
  });

  it('loaded everything from the API itself, with no error in the page', () => {
    const origins = new Set(requested.map((url) => new URL(url).origin));
    expect([...origins]).toEqual([stack.baseUrl]);
    // The one refused sign-in is the only failed load.
    expect(browser.errors).toEqual(['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
  });
});
