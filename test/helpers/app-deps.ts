import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createMemoryRepositories } from '../../src/adapters/memory/repositories.js';
import { createGitHubClient } from '../../src/adapters/github/index.js';
import type { AppDeps, JobScheduler } from '../../src/app/ports/deps.js';
import type { MetricsProvider } from '../../src/app/ports/metrics.js';
import { RunWatch, trackActiveDeploys } from '../../src/app/deploys/track.js';
import { performEffect } from '../../src/app/pipeline/effects.js';
import { createOutboxRunner } from '../../src/app/pipeline/worker.js';
import { httpHealthChecker } from '../../src/adapters/http/health-checker.js';
import {
  renderProgressLine,
  renderRequesterNotice,
} from '../../src/adapters/discord/render/progress-line.js';
import { UserFacingError } from '../../src/domain/errors.js';
import type { OpsAnnouncement } from '../../src/app/ports/announcements.js';
import type { DeployNotifier } from '../../src/app/ports/notifier.js';
import { parseConfig, type Config } from '../../src/config.js';
import { systemClock, type Clock } from '../../src/domain/clock.js';
import type { Approval, Deploy } from '../../src/domain/model.js';
import type { RoleActor } from '../../src/domain/roles.js';
import {
  startLocalGitHub,
  type LocalGitHub,
  type LocalGitHubOptions,
} from '../../src/sandbox/github/index.js';

/** What the recording notifier saw: enough to assert what people would have been told. */
export interface Told {
  cards: { deploy: Deploy; approval?: Approval; pinged: boolean; stuck: boolean }[];
  reminders: string[];
  markers: Deploy[];
  progress: { deployId: string; text: string }[];
  requesters: { deployId: string; text: string; offer?: string }[];
  announcements: OpsAnnouncement[];
}

export function recordingNotifier(): { notifier: DeployNotifier; told: Told } {
  const told: Told = {
    cards: [],
    reminders: [],
    markers: [],
    progress: [],
    requesters: [],
    announcements: [],
  };
  const notifier: DeployNotifier = {
    showCard(deploy, extra = {}) {
      told.cards.push({
        deploy,
        ...(extra.approval ? { approval: extra.approval } : {}),
        pinged: extra.pingApprovers ?? false,
        stuck: deploy.stuck ?? false,
      });
      return Promise.resolve({ channelId: 'ops', messageId: `m-${deploy.id}` });
    },
    findPosted() {
      return Promise.resolve(undefined);
    },
    remindApprovers(deploy) {
      told.reminders.push(deploy.id);
      return Promise.resolve();
    },
    progress(deploy, event) {
      told.progress.push({ deployId: deploy.id, text: renderProgressLine(deploy, event) });
      return Promise.resolve();
    },
    postMarker(deploy) {
      told.markers.push(deploy);
      return Promise.resolve();
    },
    announce(announcement) {
      told.announcements.push(announcement);
      return Promise.resolve();
    },
    tellRequester(deploy, notice) {
      told.requesters.push({
        deployId: deploy.id,
        text: renderRequesterNotice(deploy, notice),
        ...(notice.kind === 'offer' ? { offer: 'deploy-now' } : {}),
      });
      return Promise.resolve();
    },
  };
  return { notifier, told };
}

export interface ScheduledJob {
  name: string;
  data: Record<string, unknown>;
  at?: Date;
  uniqueKey?: string;
}

export function recordingJobs(): JobScheduler & { scheduled: ScheduledJob[]; cancelled: ScheduledJob[] } {
  const scheduled: ScheduledJob[] = [];
  const cancelled: ScheduledJob[] = [];
  return {
    scheduled,
    cancelled,
    schedule(name, data, options = {}) {
      scheduled.push({
        name,
        data,
        ...(options.at ? { at: options.at } : {}),
        ...(options.uniqueKey ? { uniqueKey: options.uniqueKey } : {}),
      });
      return Promise.resolve();
    },
    cancel(name, data) {
      cancelled.push({ name, data });
      return Promise.resolve(1);
    },
    stats: () => Promise.resolve({ queued: scheduled.length, running: 0, failed: 0 }),
  };
}

/** The example configuration, adjusted by a test (plain object edits), parsed like production does. */
export function testConfig(edit: (raw: Record<string, unknown>) => void = () => undefined): Config {
  const raw = parseYaml(readFileSync('config/example.yaml', 'utf8')) as Record<string, unknown>;
  edit(raw);
  return parseConfig(JSON.stringify(raw), 'test.json', {});
}

export const ROLES = { r4: '990000000000000104', r5: '990000000000000105' };
export const people = {
  alice: { id: '900000000000000001', name: 'alice', roleIds: [ROLES.r4] },
  bob: { id: '900000000000000002', name: 'bob', roleIds: [ROLES.r5] },
  carol: { id: '900000000000000003', name: 'carol', roleIds: [ROLES.r5] },
  dave: { id: '900000000000000004', name: 'dave', roleIds: [] as string[] },
} satisfies Record<string, { id: string; name: string } & RoleActor>;

export interface AppHarness {
  deps: AppDeps;
  github: LocalGitHub;
  told: Told;
  jobs: ReturnType<typeof recordingJobs>;
  events: { markers: string[]; finished: string[] };
  close(): Promise<void>;
}

/** The app layer wired with in-memory repositories, the real GitHub adapter and the local GitHub API. */
export async function startAppHarness(
  options: {
    config?: Config;
    clock?: Clock;
    github?: Pick<LocalGitHubOptions, 'environments'>;
    metrics?: MetricsProvider;
  } = {},
): Promise<AppHarness> {
  // No recurring windows by default: the example's Saturday-evening window must not decide a test's outcome.
  const config =
    options.config ??
    testConfig((raw) => {
      raw.freezeWindows = [];
    });
  const github = await startLocalGitHub({
    repos: Object.values(config.services).map((s) => s.repo),
    timing: { queuedMs: 30, inProgressMs: 120 },
    ...options.github,
  });
  const log = pino({ level: 'silent' });
  const { notifier, told } = recordingNotifier();
  const jobs = recordingJobs();
  const events = { markers: [] as string[], finished: [] as string[] };
  const depsRef: { current?: AppDeps } = {};
  const outbox = createOutboxRunner(() => depsRef.current!, performEffect);
  const deps: AppDeps = {
    config,
    clock: options.clock ?? systemClock,
    log,
    repos: createMemoryRepositories(),
    github: createGitHubClient({
      baseUrl: github.url,
      token: 'test-token',
      log,
      userAgent: 'release-console-tests',
      timing: {
        retryAfterUnitMs: 1,
        backoffUnitMs: 1,
        writeSpacingMs: 0,
        lookupAttempts: 3,
        lookupDelayMs: 20,
      },
    }),
    jobs,
    db: { ping: () => Promise.resolve(0) },
    instance: {
      id: 'test',
      boot: 'test-boot',
      version: '0.0.0',
      startedAt: new Date(),
      role: () => 'leader',
      gatewayPingMs: () => undefined,
    },
    notifier,
    local: { runs: new RunWatch(), greenCi: new Map(), comparisons: new Map() },
    outbox,
    health: httpHealthChecker,
    events: {
      markerPosted: (service, env) => events.markers.push(`${service}/${env}`),
      finished: (service, env, outcome) => events.finished.push(`${service}/${env}:${outcome}`),
    },
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  depsRef.current = deps;
  return { deps, github, told, jobs, events, close: () => github.close() };
}

/** Runs the tracking sweep (as the agenda job does) until the deploy has finished; bounded. */
export async function trackUntilDone(deps: AppDeps, id: string, timeoutMs = 5_000): Promise<Deploy> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    await trackActiveDeploys(deps);
    const deploy = await deps.repos.deploys.get(id);
    if (deploy && ['succeeded', 'failed', 'cancelled'].includes(deploy.state)) return deploy;
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  throw new Error(`deploy ${id} did not finish within ${timeoutMs} ms`);
}

/** The UserFacingError `work` is refused with (fails the test when it succeeds or fails otherwise). */
export async function refusal(work: Promise<unknown>): Promise<UserFacingError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserFacingError);
  return error as UserFacingError;
}
