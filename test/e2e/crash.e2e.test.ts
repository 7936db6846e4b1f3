import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/github/index.js';
import { useE2E, type E2E } from './harness.js';
import { crashServices, stepLabel, type CrashStep } from './support/crash-lanes.js';
import {
  buttonsOf,
  cardOf,
  cardText,
  DEPLOY_ID,
  historyOf,
  isCardOf,
  judgeDeploy,
  type HistoryLine,
  type Tally,
} from './support/deploy-view.js';

/**
 * SPEC §4, §9, §13 ("no state is lost across a crash or restart"): the real bot is SIGKILLed at every step
 * of a deploy — after the request, at the approval click, at the dispatch, while the run is going, and at
 * several moments right after GitHub reported the run completed — and restarted. Every deploy must then
 * end as if nothing happened: one run, one marker, one GitHub Deployment ending `success`, one tag on prod,
 * verification run to its end, and a card that shows it. The test acts only as the users and GitHub would.
 */

const DELAYS_MS = [0, 20, 50, 100, 200, 500] as const;
const STAGING_STEPS: CrashStep[] = [
  { kind: 'dispatch' },
  { kind: 'replied' },
  { kind: 'running' },
  ...DELAYS_MS.map((delayMs) => ({ kind: 'completed' as const, delayMs })),
];
const PROD_STEPS: CrashStep[] = [
  { kind: 'request' },
  { kind: 'click' },
  { kind: 'dispatch' },
  { kind: 'running' },
  ...DELAYS_MS.map((delayMs) => ({ kind: 'completed' as const, delayMs })),
];
/**
 * How long after the last restart a deploy may take to settle. Generous on purpose: it covers the durable
 * safety nets' own delays (a job lock left by the killed process, a check scheduled a minute after approval),
 * so a deploy reported lost here was not merely slow.
 */
const SETTLE_MS = 75_000;
const WAIT = { timeoutMs: 20_000 };

const lanes = { staging: STAGING_STEPS.length, prod: PROD_STEPS.length };
let laneNames: { staging: string[]; prod: string[] } = { staging: [], prod: [] };
const e2e = useE2E({
  config: (base) => {
    const { config, staging, prod } = crashServices(base, lanes);
    laneNames = { staging, prod };
    return config;
  },
  // One instance id across restarts: the restarted bot takes its own gateway lease back at once.
  env: { INSTANCE_ID: 'crash-suite' },
  runTiming: { queuedMs: 200 },
});

interface Tracked {
  readonly label: string;
  readonly service: string;
  readonly env: 'staging' | 'prod';
  readonly repo: string;
  readonly sha: string;
  id: string | undefined;
  /** Kills that happened while this deploy was not yet settled. */
  kills: number;
  /** For "completed" steps: from GitHub's answer showing the run completed to the SIGKILL. */
  measuredDelayMs?: number;
  history?: HistoryLine;
  settled: boolean;
}

/** The crash machinery: kills, restarts, and the runs the test lets finish. */
class CrashLab {
  readonly tracked: Tracked[] = [];
  readonly settling: Promise<void>[] = [];
  kills = 0;
  lastRestartAt = Date.now();
  /** `repo sha env` of deploys whose workflow runs may finish (the others stay in progress). */
  private readonly released = new Set<string>();
  private readonly finisher: NodeJS.Timeout;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly env: E2E) {
    env.github.holdRuns(true);
    this.finisher = setInterval(() => {
      this.finishReleasedRuns();
    }, 150);
  }

  close(): void {
    clearInterval(this.finisher);
    this.env.github.holdRuns(false);
  }

  track(label: string, service: string, env: 'staging' | 'prod', sha: string): Tracked {
    const t: Tracked = {
      label,
      service,
      env,
      repo: `example-org/${service}`,
      sha,
      id: undefined,
      kills: 0,
      settled: false,
    };
    this.tracked.push(t);
    return t;
  }

  release(t: Tracked): void {
    this.released.add(`${t.repo} ${t.sha} ${t.env}`);
  }

  /** Runs `work` after the previous one finished: the settlers ask the bot one question at a time. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** SIGKILL now (no grace: the process gets no chance to finish anything). */
  killNow(): void {
    this.env.bot.kill('SIGKILL');
  }

  /** Waits for the killed bot to be gone, counts the kill, and starts it again. */
  async restart(): Promise<void> {
    await this.env.bot.exited;
    this.kills += 1;
    for (const t of this.tracked) if (!t.settled) t.kills += 1;
    await this.env.bot.restart();
    this.lastRestartAt = Date.now();
  }

  /** Resolves (and unsubscribes) at the first GitHub answer that fits. */
  onGitHubAnswer(fits: (request: RecordedRequest) => boolean, then: () => void): () => void {
    const listener = (request: RecordedRequest): void => {
      if (!fits(request)) return;
      off();
      then();
    };
    const off = (): void => {
      this.env.github.off('request', listener);
    };
    this.env.github.on('request', listener);
    return off;
  }

  /** The run of this deploy, as GitHub has it. */
  runOf(t: Tracked) {
    return this.env.github
      .runs(t.repo)
      .find((r) => r.workflow === 'deploy.yml' && r.inputs.deploy_id === t.id);
  }

  private finishReleasedRuns(): void {
    const seen = new Set<string>();
    for (const t of this.tracked) {
      if (!this.released.has(`${t.repo} ${t.sha} ${t.env}`) || seen.has(t.repo)) continue;
      seen.add(t.repo);
      for (const run of this.env.github.runs(t.repo)) {
        if (run.status === 'completed' || run.workflow !== 'deploy.yml') continue;
        if (this.released.has(`${t.repo} ${run.headSha} ${String(run.inputs.environment)}`))
          this.env.github.completeRun(t.repo, run.id);
      }
    }
  }
}

const idIn = (text: string): string | undefined => DEPLOY_ID.exec(text)?.[1];

async function waitForCard(env: E2E, t: Tracked, fits: (text: string, buttons: string[]) => boolean) {
  const id = t.id;
  if (!id) throw new Error(`${t.label}: no deploy id yet`);
  return env.discord.waitForMessage((m) => isCardOf(id)(m) && fits(cardText(m), buttonsOf(m)), WAIT);
}

/** The card says the run is going: the bot has seen the run in progress. */
const waitRunning = (env: E2E, t: Tracked) => waitForCard(env, t, (text) => text.startsWith('**🏃 Running'));

/**
 * Kills the bot at `delayMs` after the first answer in which GitHub shows the run completed (the moment the
 * bot learns it), then completes the run now. Bounded: with no such answer in 10 s it kills anyway.
 */
async function killAfterCompletion(lab: CrashLab, t: Tracked, delayMs: number): Promise<void> {
  const run = lab.runOf(t);
  if (!run) throw new Error(`${t.label}: no workflow run for ${t.id ?? '?'}`);
  const path = `/repos/${t.repo}/actions/runs/${run.id}`;
  const killed = new Promise<void>((resolve) => {
    let reportedAt = 0;
    const fallback = setTimeout(() => {
      off();
      lab.killNow();
      resolve();
    }, 10_000);
    const off = lab.onGitHubAnswer(
      (r) =>
        r.method === 'GET' &&
        r.status === 200 &&
        r.path === path &&
        lab.env.github.runs(t.repo).find((x) => x.id === run.id)?.status === 'completed',
      () => {
        clearTimeout(fallback);
        reportedAt = Date.now();
        setTimeout(() => {
          lab.killNow();
          t.measuredDelayMs = Date.now() - reportedAt;
          resolve();
        }, delayMs);
      },
    );
  });
  lab.env.github.completeRun(t.repo, run.id);
  await killed;
}

/** Kills the bot the moment GitHub accepts a dispatch for this repo (the answer may never reach the bot). */
function killAtDispatch(lab: CrashLab, t: Tracked): Promise<void> {
  return new Promise((resolve) => {
    const onDispatch = (_run: unknown, _inputs: unknown, repo: string, workflow: string): void => {
      if (repo !== t.repo || workflow !== 'deploy.yml') return;
      lab.env.github.off('dispatch', onDispatch);
      lab.killNow();
      resolve();
    };
    lab.env.github.on('dispatch', onDispatch);
  });
}

async function stagingRound(lab: CrashLab, service: string, step: CrashStep): Promise<Tracked> {
  const { env } = lab;
  const label = stepLabel('staging', step);
  const repo = `example-org/${service}`;
  const sha = env.github.addCommit(repo, `feat: change for ${label}`);
  const t = lab.track(label, service, 'staging', sha);
  const request = () => env.discord.runCommand('alice', 'deploy', { service, env: 'staging', ref: sha });
  if (step.kind === 'dispatch') {
    const killed = killAtDispatch(lab, t);
    request();
    await killed;
  } else {
    const reply = await request().response(WAIT);
    t.id = idIn(reply.content);
    if (step.kind === 'running' || step.kind === 'completed') await waitRunning(env, t);
    if (step.kind === 'completed') await killAfterCompletion(lab, t, step.delayMs);
    else lab.killNow();
  }
  await lab.restart();
  return t;
}

async function prodRound(lab: CrashLab, service: string, sha: string, step: CrashStep): Promise<Tracked> {
  const { env } = lab;
  const t = lab.track(stepLabel('prod', step), service, 'prod', sha);
  const reply = await env.discord
    .runCommand('alice', 'deploy', { service, env: 'prod', ref: sha })
    .response(WAIT);
  t.id = idIn(reply.content);
  const card = await waitForCard(env, t, (_text, buttons) => buttons.includes('Approve'));
  if (step.kind === 'request') lab.killNow();
  else if (step.kind === 'click') {
    // Killed while handling the click: the bot has acknowledged it and is approving/dispatching.
    await env.discord.click('bob', card, 'Approve').acknowledged({ timeoutMs: 3_000 });
    lab.killNow();
  } else if (step.kind === 'dispatch') {
    const killed = killAtDispatch(lab, t);
    env.discord.click('bob', card, 'Approve');
    await killed;
  } else {
    await env.discord.click('bob', card, 'Approve').response(WAIT);
    await waitRunning(env, t);
    if (step.kind === 'completed') await killAfterCompletion(lab, t, step.delayMs);
    else lab.killNow();
  }
  await lab.restart();
  return t;
}

/**
 * Plays the users after a restart until the deploy is verified or SETTLE_MS after the last restart has
 * passed: bob approves again when the approval is still open (a click lost with the process), the run is let
 * finish, and alice confirms with Verified when the card offers it.
 */
async function settle(lab: CrashLab, t: Tracked): Promise<void> {
  const { discord } = lab.env;
  lab.release(t);
  let lastClick = 0;
  try {
    while (Date.now() < lab.lastRestartAt + SETTLE_MS) {
      await sleep(1_000);
      if (discord.gatewayConnections().open === 0) continue; // being restarted
      const lines = await lab.serial(() => historyOf(discord, t.service, t.env));
      const line = lines?.find((l) => t.sha.startsWith(l.shortSha));
      if (!line) continue;
      t.id ??= line.id;
      t.history = line;
      if (line.state === 'succeeded' && line.verification === 'verified') return;
      if (['failed', 'cancelled', 'rejected', 'expired', 'superseded'].includes(line.state)) return;
      if (line.verification === 'faulty') return;
      const card = cardOf(discord, line.id);
      const click = async (user: string, label: string): Promise<void> => {
        if (!card || !buttonsOf(card).includes(label) || Date.now() - lastClick < 3_000) return;
        lastClick = Date.now();
        await discord
          .click(user, card, label)
          .response({ timeoutMs: 5_000 })
          .catch(() => undefined);
      };
      if (line.state === 'awaiting approval') await click('bob', 'Approve');
      if (line.verification === 'pending') await click('alice', 'Verified');
    }
  } finally {
    t.settled = true;
  }
}

/** A verified staging deploy of a fresh commit on each lane, before any kill: prod needs one per SHA. */
async function prepareProdLanes(lab: CrashLab, services: readonly string[]): Promise<Map<string, string>> {
  const prepared = await Promise.all(
    services.map(async (service) => {
      const sha = lab.env.github.addCommit(`example-org/${service}`, 'feat: release candidate');
      const t = lab.track('staging: before prod (no kill)', service, 'staging', sha);
      lab.release(t);
      const reply = await lab.env.discord
        .runCommand('alice', 'deploy', { service, env: 'staging', ref: sha })
        .response(WAIT);
      t.id = idIn(reply.content);
      const card = await waitForCard(lab.env, t, (_text, buttons) => buttons.includes('Verified'));
      await lab.env.discord.click('alice', card, 'Verified').response(WAIT);
      await waitForCard(lab.env, t, (text) => text.includes('✔️ Verified'));
      t.settled = true;
      return [service, sha] as const;
    }),
  );
  return new Map(prepared);
}

interface Row {
  step: string;
  deploys: number;
  kills: number;
  lost: number;
  doubled: number;
  delay: string;
}

function report(lab: CrashLab, verdicts: readonly { t: Tracked; tally: Tally }[]): Row[] {
  const rows = new Map<string, Row>();
  for (const { t, tally } of verdicts) {
    const row = rows.get(t.label) ?? { step: t.label, deploys: 0, kills: 0, lost: 0, doubled: 0, delay: '' };
    row.deploys += 1;
    row.kills = Math.max(row.kills, t.kills);
    if (tally.lost.length > 0) row.lost += 1;
    if (tally.doubled.length > 0) row.doubled += 1;
    if (t.measuredDelayMs !== undefined) row.delay = `${t.measuredDelayMs} ms`;
    rows.set(t.label, row);
  }
  const table = [...rows.values()];
  const lost = verdicts.filter((v) => v.tally.lost.length > 0).length;
  const doubled = verdicts.filter((v) => v.tally.doubled.length > 0).length;
  const pad = (text: string | number, width: number): string => String(text).padEnd(width);
  const lines = [
    `crash suite: ${lab.kills} kills, ${verdicts.length} deploys, ${lost} lost, ${doubled} doubled`,
    `${pad('step', 34)}${pad('deploys', 9)}${pad('kills', 7)}${pad('lost', 6)}${pad('doubled', 9)}kill after report`,
    ...table.map(
      (r) =>
        `${pad(r.step, 34)}${pad(r.deploys, 9)}${pad(r.kills, 7)}${pad(r.lost, 6)}${pad(r.doubled, 9)}${r.delay}`,
    ),
    ...verdicts
      .filter((v) => v.tally.lost.length > 0 || v.tally.doubled.length > 0)
      .map((v) => `  ${v.t.label} ${v.t.id ?? '?'}: ${[...v.tally.lost, ...v.tally.doubled].join('; ')}`),
  ];
  // The table is the suite's evidence (which kill points lose or double an effect), also when it passes.
  process.stdout.write(`\n${lines.join('\n')}\n`);
  return table;
}

describe('a SIGKILL at any step of a deploy, then a restart (real bot process)', () => {
  it('ends every deploy exactly once: run, marker, Deployment, tag, verification and card', async () => {
    const env = e2e();
    const lab = new CrashLab(env);
    try {
      const prodShas = await prepareProdLanes(lab, laneNames.prod);
      for (const [i, step] of STAGING_STEPS.entries()) {
        const t = await stagingRound(lab, laneNames.staging[i] ?? '', step);
        lab.settling.push(settle(lab, t));
      }
      for (const [i, step] of PROD_STEPS.entries()) {
        const service = laneNames.prod[i] ?? '';
        const t = await prodRound(lab, service, prodShas.get(service) ?? '', step);
        lab.settling.push(settle(lab, t));
      }
      await Promise.all(lab.settling);
      await sleep(1_500); // the last card edits in flight
      const verdicts = [];
      for (const t of lab.tracked) {
        const line = (await historyOf(env.discord, t.service, t.env, 10_000))?.find((l) =>
          t.sha.startsWith(l.shortSha),
        );
        t.id ??= line?.id;
        const tally = judgeDeploy(env, { ...t, prod: t.env === 'prod' }, line ?? t.history);
        verdicts.push({ t, tally });
      }
      const table = report(lab, verdicts);
      expect(lab.kills).toBe(STAGING_STEPS.length + PROD_STEPS.length);
      const failing = verdicts.filter((v) => v.tally.lost.length || v.tally.doubled.length);
      expect
        .soft(
          table.filter((r) => r.lost > 0).map((r) => r.step),
          'steps with a lost effect',
        )
        .toEqual([]);
      expect
        .soft(
          table.filter((r) => r.doubled > 0).map((r) => r.step),
          'steps with a doubled effect',
        )
        .toEqual([]);
      expect(
        failing.map(
          (v) => `${v.t.label} ${v.t.id ?? '?'}: ${[...v.tally.lost, ...v.tally.doubled].join('; ')}`,
        ),
      ).toEqual([]);
    } finally {
      lab.close();
    }
  }, 420_000);
});
