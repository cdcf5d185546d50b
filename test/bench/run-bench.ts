/**
 * Runs the benchmark scenarios of test/bench/scenarios against the built app (`npm run bench` builds it)
 * in headless Chromium, and prints one JSON line per figure on stdout; everything else goes to stderr.
 * Scenarios that drive the roster worker directly get the worker benchmark page of test/bench/pages,
 * from a Vite dev server of the sources started on first use.
 * A scenario that fails is reported and the others still run; the exit code is then 1.
 *
 *   npm run bench                 every scenario
 *   npm run bench -- shell-size   only scenarios whose name contains one of the arguments
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium, newOnDiskContext } from '../launch-chromium.ts';
import { startPreviewServer, type PreviewServer } from '../start-preview-server.ts';
import type { BenchContext, BenchFigure, BenchScenario } from './bench-scenario.ts';
import { startBenchDevServer, type BenchDevServer } from './start-bench-dev-server.ts';
import type { WorkerBenchWindow } from './pages/worker-bench-api.ts';

const SCENARIO_DIRECTORY = fileURLToPath(new URL('./scenarios/', import.meta.url));
// Same origin as the app, so storage measured there lives where the app's would; never served by it.
const BLANK_PAGE_PATH = '/__bench-blank__';
const WORKER_BENCH_PAGE_PATH = '/test/bench/pages/worker-bench.html';

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

function isScenario(value: unknown): value is BenchScenario {
  const candidate = value as Partial<BenchScenario> | null;
  return typeof candidate?.name === 'string' && typeof candidate.run === 'function';
}

function checkFigure(figure: BenchFigure): BenchFigure {
  if (!/^[a-z0-9_]+$/.test(figure.name) || !Number.isFinite(figure.value) || !figure.unit) {
    throw new Error(`not a valid figure: ${JSON.stringify(figure)}`);
  }
  return { name: figure.name, value: figure.value, unit: figure.unit };
}

/** Imports every scenario module; one that fails to load counts as a failed scenario. */
async function loadScenarios(filters: string[]): Promise<{ scenarios: BenchScenario[]; failures: string[] }> {
  const scenarios: BenchScenario[] = [];
  const failures: string[] = [];
  const files = readdirSync(SCENARIO_DIRECTORY).filter((file) => file.endsWith('.ts')).sort();
  for (const file of files) {
    try {
      const module = (await import(pathToFileURL(`${SCENARIO_DIRECTORY}${file}`).href)) as { default?: unknown };
      if (!isScenario(module.default)) throw new Error('its default export is not { name, run(context) }');
      scenarios.push(module.default);
    } catch (error) {
      log(`✗ scenarios/${file} did not load: ${describeError(error)}`);
      failures.push(file);
    }
  }
  const selected = filters.length === 0 ? scenarios : scenarios.filter((scenario) => filters.some((filter) => scenario.name.includes(filter)));
  if (selected.length === 0) failures.push(`no scenario matches ${filters.join(', ')}`);
  return { scenarios: selected, failures };
}

/** Started by the first scenario that needs it, so that runs of other scenarios never pay for it. */
let devServer: Promise<BenchDevServer> | undefined;

async function runScenario(scenario: BenchScenario, browser: Browser, baseUrl: string, earlier: Map<string, number>): Promise<BenchFigure[]> {
  const contexts: BrowserContext[] = [];
  const newContext: BenchContext['newContext'] = async (options) => {
    const context = await newOnDiskContext(options);
    contexts.push(context);
    return context;
  };
  const context: BenchContext = {
    browser,
    baseUrl,
    newContext,
    async openBlankPage() {
      const page = await (await newContext()).newPage();
      await page.route(`${baseUrl}${BLANK_PAGE_PATH}`, (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><title>bench</title></html>' }),
      );
      await page.goto(`${baseUrl}${BLANK_PAGE_PATH}`);
      return page;
    },
    async openWorkerBenchPage() {
      devServer ??= startBenchDevServer();
      const { baseUrl: devBaseUrl } = await devServer;
      const page = await (await newContext()).newPage();
      await page.goto(`${devBaseUrl}${WORKER_BENCH_PAGE_PATH}`);
      await page.waitForFunction(() => (globalThis as WorkerBenchWindow).workerBench !== undefined, undefined, { timeout: 60_000 });
      return page;
    },
    earlierFigure: (name) => earlier.get(name),
    log: (message) => log(`  ${scenario.name}: ${message}`),
  };
  try {
    const result = await scenario.run(context);
    return (Array.isArray(result) ? result : [result]).map(checkFigure);
  } finally {
    await Promise.allSettled(contexts.map((open) => open.close()));
  }
}

async function main(): Promise<number> {
  const { scenarios, failures } = await loadScenarios(process.argv.slice(2));
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  const printed = new Map<string, number>();
  try {
    server = await startPreviewServer();
    log(`serving dist/ at ${server.baseUrl}`);
    browser = await launchChromium();
    for (const scenario of scenarios) {
      log(`▶ ${scenario.name}`);
      const startedAt = performance.now();
      try {
        const figures = await runScenario(scenario, browser, server.baseUrl, printed);
        for (const figure of figures) {
          printed.set(figure.name, figure.value);
          process.stdout.write(`${JSON.stringify(figure)}\n`);
        }
        log(`✓ ${scenario.name} (${((performance.now() - startedAt) / 1000).toFixed(1)} s)`);
      } catch (error) {
        log(`✗ ${scenario.name} failed: ${describeError(error)}`);
        failures.push(scenario.name);
      }
    }
  } catch (error) {
    log(`✗ the benchmarks could not run: ${describeError(error)}`);
    failures.push('setup');
  } finally {
    await browser?.close();
    await server?.stop();
    // A server that failed to start was reported by the scenario that asked for it.
    await devServer
      ?.then((started) => started.stop(), () => undefined)
      .catch((error: unknown) => log(`the bench dev server did not stop cleanly: ${describeError(error)}`));
  }
  if (failures.length > 0) log(`${failures.length} failed: ${failures.join(', ')}`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
