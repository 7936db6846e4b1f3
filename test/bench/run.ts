/**
 * `npm run bench`: measures the real bot (a child process, as in production) against the local Discord
 * server and the local GitHub API, and prints a table. Targets are printed beside the figures; nothing here
 * fails a build. Loopback only; every wait is bounded.
 */
import { Client, Events, GatewayIntentBits, MessageFlags, Routes } from 'discord.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deploy as deployCommand } from '../../commands/deploy.js';
import { createRest } from '../../src/adapters/discord/gateway.js';
import {
  SANDBOX_APP_ID,
  SANDBOX_DISCORD_TOKEN,
  startStandIns,
  type StandIns,
} from '../../src/sandbox/stand-ins.js';
import { startLocalDiscord, type ObservedMessage } from '../../src/sandbox/discord/index.js';
import {
  exampleConfig,
  freePort,
  withHealthPort,
  writeConfig,
  type RawConfig,
} from '../e2e/support/config-file.js';
import { benchScale } from './scale.js';
import { measureHandover } from './handover.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SERVICES = 20;
/** Per side; the bot's and the floor's samples alternate, so both see the machine in the same state. */
const ACK_SAMPLES = 1000;
/** Alternating samples taken first and thrown away: JIT warm-up and first connections are not the measure. */
const ACK_WARMUP = 50;
const CONCURRENT = 200;
/** Approve-click samples: rounds over the 19 services other than svc01. */
const APPROVE_ROUNDS = 6;
const WAIT = { timeoutMs: 30_000 };

interface Row {
  what: string;
  value: string;
  target: string;
  verdict: string;
}
const rows: Row[] = [];
const record = (what: string, value: string, target = '', ok?: boolean): void => {
  rows.push({ what, value, target, verdict: ok === undefined ? '' : ok ? 'met' : 'MISSED' });
  console.log(`  ${what}: ${value}${target ? ` (target ${target})` : ''}`);
};

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function benchConfig(servicesPort: number): RawConfig {
  const base = exampleConfig(ROOT);
  const services: Record<string, unknown> = {};
  for (let i = 1; i <= SERVICES; i += 1) {
    const name = `svc${String(i).padStart(2, '0')}`;
    services[name] = {
      repo: `example-org/${name}`,
      workflow: 'deploy.yml',
      defaultRef: 'main',
      environments: [
        {
          name: 'staging',
          healthUrl: `http://127.0.0.1:${servicesPort}/${name}/staging/health`,
          requiresApproval: false,
        },
        {
          name: 'prod',
          healthUrl: `http://127.0.0.1:${servicesPort}/${name}/prod/health`,
          requiresApproval: true,
        },
      ],
    };
  }
  return withHealthPort(
    {
      ...base,
      services,
      freezeWindows: [],
      tracking: { pollInterval: '500ms', stuckAfter: '10m' },
      verification: { window: '15m', checkInterval: '1s', autoVerify: false },
    } as RawConfig,
    servicesPort,
  );
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * The floor: a bare discord.js client that only defers, against a local Discord server of its own (same
 * code, same process, same guild), so the bot's session does not see its interactions and the two can be
 * sampled turn about.
 */
async function startFloor(standIns: StandIns): Promise<{ sample(): Promise<number>; stop(): Promise<void> }> {
  const guild = standIns.config.discord.guilds[0];
  const discord = await startLocalDiscord({
    appId: SANDBOX_APP_ID,
    botToken: SANDBOX_DISCORD_TOKEN,
    guild: {
      id: guild?.id ?? '',
      name: guild?.name ?? 'Release Console Bench',
      channelId: standIns.config.discord.opsChannelId,
      roles: standIns.config.discord.roles,
    },
  });
  const rest = createRest({ token: SANDBOX_DISCORD_TOKEN, api: discord.apiUrl });
  await rest.put(Routes.applicationGuildCommands(SANDBOX_APP_ID, guild?.id ?? ''), {
    body: [deployCommand.data],
  });
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  client.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isChatInputCommand()) void interaction.deferReply({ flags: MessageFlags.Ephemeral });
  });
  const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(SANDBOX_DISCORD_TOKEN);
  await ready;
  return {
    async sample() {
      const handle = discord.runCommand('alice', 'deploy', { service: 'svc01', env: 'staging' });
      await handle.acknowledged(WAIT);
      return handle.ackLatencyMs ?? Number.NaN;
    },
    async stop() {
      await client.destroy();
      await discord.close();
    },
  };
}

/** One /deploy to the bot: ms to its acknowledgement; waits for the answer so the next sample starts idle. */
async function botAckSample(standIns: StandIns, i: number): Promise<number> {
  const service = `svc${String((i % SERVICES) + 1).padStart(2, '0')}`;
  const handle = standIns.discord.runCommand('alice', 'deploy', { service, env: 'prod' });
  await handle.acknowledged(WAIT);
  await handle.response(WAIT);
  return handle.ackLatencyMs ?? Number.NaN;
}

/** ACK_SAMPLES of each, alternating bot and floor (which goes first alternates too), after a warm-up. */
async function measureAcks(standIns: StandIns): Promise<{ floor: number[]; ack: number[] }> {
  const floorClient = await startFloor(standIns);
  const floor: number[] = [];
  const ack: number[] = [];
  try {
    for (let i = 0; i < ACK_WARMUP + ACK_SAMPLES; i += 1) {
      let botMs: number;
      let floorMs: number;
      if (i % 2 === 0) {
        botMs = await botAckSample(standIns, i);
        floorMs = await floorClient.sample();
      } else {
        floorMs = await floorClient.sample();
        botMs = await botAckSample(standIns, i);
      }
      if (i < ACK_WARMUP) continue;
      ack.push(botMs);
      floor.push(floorMs);
    }
  } finally {
    await floorClient.stop();
  }
  return { floor, ack };
}

async function waitForMarker(standIns: StandIns, deployId: string): Promise<ObservedMessage> {
  return standIns.discord.waitForMessage(
    (m) => m.embeds.some((e) => e.title?.startsWith('📍') && e.footer?.text === `Deploy ${deployId}`),
    { timeoutMs: 60_000 },
  );
}

function deployIdOf(message: ObservedMessage): string {
  const id = /\b(D[0-9A-Z]{8})\b/.exec(message.content)?.[1];
  if (!id) throw new Error(`no deploy id in the answer: ${message.content}`);
  return id;
}

function cardOf(standIns: StandIns, deployId: string): ObservedMessage {
  const card = standIns.discord
    .history()
    .find((m) =>
      m.embeds.some((e) => e.footer?.text.startsWith(`Deploy ${deployId}`) && !e.title?.startsWith('📍')),
    );
  if (!card) throw new Error(`no card for ${deployId}`);
  return standIns.discord.message(card.id);
}

/** A green, verified staging deploy of a service's main (the way to prod). */
async function greenStaging(standIns: StandIns, service: string): Promise<void> {
  const reply = await standIns.discord
    .runCommand('alice', 'deploy', { service, env: 'staging' })
    .response(WAIT);
  const id = deployIdOf(reply);
  await waitForMarker(standIns, id);
  for (let i = 0; i < 100; i += 1) {
    const card = cardOf(standIns, id);
    const hasVerify = card.components.some(
      (row) => 'components' in row && row.components.some((c) => 'label' in c && c.label === 'Verified'),
    );
    if (hasVerify) {
      await standIns.discord.click('alice', card, 'Verified').response(WAIT);
      return;
    }
    await sleep(100);
  }
}

/** Clicks a button and returns the ms until GitHub receives the matching workflow dispatch. */
async function clickToDispatch(
  standIns: StandIns,
  user: string,
  card: ObservedMessage,
  label: string,
  matches: (inputs: Readonly<Record<string, unknown>>, repo: string) => boolean,
): Promise<number> {
  const dispatched = new Promise<number>((resolve) => {
    const onDispatch = (_run: unknown, inputs: Readonly<Record<string, unknown>>, repo: string) => {
      if (matches(inputs, repo)) {
        standIns.github.off('dispatch', onDispatch);
        resolve(performance.now());
      }
    };
    standIns.github.on('dispatch', onDispatch);
  });
  const clickedAt = performance.now();
  const handle = standIns.discord.click(user, card, label);
  const at = await Promise.race([dispatched, sleep(30_000).then(() => Number.NaN)]);
  await handle.response(WAIT);
  return at - clickedAt;
}

function printTable(): void {
  console.log('\n| measure | value | target | |\n|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.what} | ${row.value} | ${row.target} | ${row.verdict} |`);
}

async function main(): Promise<void> {
  // `npm run bench -- --scale-only`: only the scale section (no build, no bot).
  if (process.argv.includes('--scale-only')) {
    await benchScale(record);
    printTable();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'release-console-bench-'));
  const servicesPort = await freePort();
  const httpPort = await freePort();
  const configFile = writeConfig(dir, benchConfig(servicesPort));
  // Defect 12: measured first, on a quiet machine (the bot under load comes later).
  console.log('measuring the gateway change-over gap (blue/green and graceful stop)…');
  const handover = await measureHandover();
  console.log('Release Console benchmark — building (npm run build)…');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore', timeout: 300_000 });
  console.log('starting the stand-ins…');
  const standIns = await startStandIns({
    configFile,
    httpPort,
    logLevel: 'warn',
    runTiming: { queuedMs: 200, inProgressMs: 800 },
  });
  let bot: ChildProcess | undefined;
  try {
    console.log(`MongoDB: ${standIns.mongo.kind}`);

    const spawnedAt = performance.now();
    const connectionsBefore = standIns.discord.gatewayConnections().totalIdentified;
    // What production runs (the Docker image's CMD): the compiled bot, not the TypeScript loader.
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: { ...standIns.env, PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    bot = child;
    const pid = child.pid ?? -1;
    for (
      let i = 0;
      i < 600 && standIns.discord.gatewayConnections().totalIdentified <= connectionsBefore;
      i += 1
    )
      await sleep(50);
    await standIns.discord.waitForBot(WAIT);
    const startToReady = performance.now() - spawnedAt;
    await sleep(3_000);
    const idleRss = rssMb(pid);

    console.log(
      `measuring /deploy acknowledgement latency (${ACK_SAMPLES} bot and floor samples, alternating)…`,
    );
    const { floor, ack } = await measureAcks(standIns);

    console.log('preparing green staging for every service…');
    for (let i = 1; i <= SERVICES; i += 1) await greenStaging(standIns, `svc${String(i).padStart(2, '0')}`);

    console.log('measuring GitHub requests per happy-path deploy…');
    standIns.github.resetRequests();
    const prodReply = await standIns.discord
      .runCommand('alice', 'deploy', { service: 'svc01', env: 'prod' })
      .response(WAIT);
    const prodId = deployIdOf(prodReply);
    await standIns.discord.click('bob', cardOf(standIns, prodId), 'Approve').response(WAIT);
    await waitForMarker(standIns, prodId);
    await sleep(1_500);
    const requests = standIns.github.requests();
    const counted = requests.filter((r) => !r.notModified && !r.path.startsWith('/rate_limit'));
    const notModified = requests.filter((r) => r.notModified).length;
    // The Release (§17, on by default): its creation, the pull requests of the shipped commits, and the
    // commit itself for a first deploy (a full SHA: the request resolves the ref by name).
    const forRelease = counted.filter(
      (r) => /\/releases\b|\/pulls$/.test(r.path) || /\/commits\/[0-9a-f]{40}$/.test(r.path),
    ).length;

    console.log('measuring approve click → dispatch received by GitHub…');
    const approveToDispatch: number[] = [];
    const previous: string[] = [];
    // Rounds over the services, each waiting for the service's previous prod marker: n = 114, so the p99
    // is not simply the slowest sample.
    for (let k = 0; k < APPROVE_ROUNDS * (SERVICES - 1); k += 1) {
      const i = (k % (SERVICES - 1)) + 2;
      const service = `svc${String(i).padStart(2, '0')}`;
      if (k >= SERVICES - 1) await waitForMarker(standIns, previous[i] ?? '');
      const reply = await standIns.discord
        .runCommand('alice', 'deploy', { service, env: 'prod' })
        .response(WAIT);
      const id = deployIdOf(reply);
      previous[i] = id;
      approveToDispatch.push(
        await clickToDispatch(
          standIns,
          'bob',
          cardOf(standIns, id),
          'Approve',
          (inputs) => inputs.deploy_id === id,
        ),
      );
    }

    console.log('measuring Rollback click on a failed deploy → dispatch received by GitHub…');
    const rollbackToDispatch: number[] = [];
    for (let i = 2; i <= 6; i += 1) {
      const service = `svc${String(i).padStart(2, '0')}`;
      standIns.github.failNext(`example-org/${service}`);
      const reply = await standIns.discord
        .runCommand('alice', 'deploy', { service, env: 'staging' })
        .response(WAIT);
      const id = deployIdOf(reply);
      let card = cardOf(standIns, id);
      for (let t = 0; t < 200 && !JSON.stringify(card.components).includes('"label":"Rollback"'); t += 1) {
        await sleep(100);
        card = cardOf(standIns, id);
      }
      rollbackToDispatch.push(
        await clickToDispatch(
          standIns,
          'bob',
          card,
          'Rollback',
          (inputs, repo) => repo === `example-org/${service}` && inputs.deploy_id !== id,
        ),
      );
    }

    console.log(`sending ${CONCURRENT} concurrent /deploy requests over ${SERVICES} services × 2 envs…`);
    await sleep(3_000);
    const runsBefore = new Map<string, number>();
    const started = performance.now();
    const handles = Array.from({ length: CONCURRENT }, (_, i) => {
      const service = `svc${String((i % SERVICES) + 1).padStart(2, '0')}`;
      const env = Math.floor(i / SERVICES) % 2 === 0 ? 'staging' : 'prod';
      return standIns.discord.runCommand(i % 2 === 0 ? 'alice' : 'carol', 'deploy', { service, env });
    });
    const answers = await Promise.allSettled(handles.map((h) => h.response({ timeoutMs: 60_000 })));
    const burstMs = performance.now() - started;
    const resolved = answers.filter((a) => a.status === 'fulfilled').length;
    await sleep(4_000);
    let doubleDispatch = 0;
    for (let i = 1; i <= SERVICES; i += 1) {
      const repo = `example-org/svc${String(i).padStart(2, '0')}`;
      const ids = standIns.github.runs(repo).map((r) => String(r.inputs.deploy_id));
      doubleDispatch += ids.length - new Set(ids).size;
      runsBefore.set(repo, ids.length);
    }
    const burstAck = handles.map((h) => h.ackLatencyMs ?? Number.NaN).filter((n) => !Number.isNaN(n));
    const loadedRss = rssMb(pid);

    console.log('\nResults');
    record('start → ready (spawn to gateway session)', `${startToReady.toFixed(0)} ms`);
    const floorP50 = percentile(floor, 50);
    const floorP99 = percentile(floor, 99);
    const ackP50 = percentile(ack, 50);
    const ackP99 = percentile(ack, 99);
    record(
      `floor: bare discord.js defer ack p50 / p99 (n=${floor.length})`,
      `${floorP50.toFixed(1)} / ${floorP99.toFixed(1)} ms`,
    );
    record(
      `/deploy ack p50 / p99 (n=${ack.length}, interleaved)`,
      `${ackP50.toFixed(1)} / ${ackP99.toFixed(1)} ms`,
    );
    const ratio = ackP99 / Math.max(1, floorP99);
    record('/deploy ack p99 ÷ floor p99', ratio.toFixed(2), '≤ 1.5', ratio <= 1.5);
    const a50 = percentile(approveToDispatch, 50);
    const a99 = percentile(approveToDispatch, 99);
    record(
      `approve click → dispatch at GitHub p50 / p99 (n=${approveToDispatch.length})`,
      `${a50.toFixed(1)} / ${a99.toFixed(1)} ms`,
      'p99 < 150 ms',
      a99 < 150,
    );
    record(
      `Rollback click → dispatch at GitHub p50 / max (n=${rollbackToDispatch.length})`,
      `${percentile(rollbackToDispatch, 50).toFixed(1)} / ${Math.max(...rollbackToDispatch).toFixed(1)} ms`,
    );
    record(
      `${CONCURRENT} concurrent /deploy: answered`,
      `${resolved}/${CONCURRENT} in ${burstMs.toFixed(0)} ms`,
      'all',
      resolved === CONCURRENT,
    );
    record(
      `${CONCURRENT} concurrent /deploy: ack p99 under load`,
      `${percentile(burstAck, 99).toFixed(0)} ms`,
    );
    record('double dispatches (same deploy_id twice)', String(doubleDispatch), '0', doubleDispatch === 0);
    record(
      'GitHub requests per happy-path prod deploy',
      `${counted.length - forRelease} + ${forRelease} for the Release (+${notModified} × 304)`,
      '≤ 8 + ≤ 3',
      counted.length - forRelease <= 8 && forRelease <= 3,
    );
    record('idle RSS', `${idleRss.toFixed(0)} MB`, '< 150 MB', idleRss < 150);
    record('RSS after the load', `${loadedRss.toFixed(0)} MB`);
    const worstGap = Math.max(...handover.blueGreen, ...handover.stop);
    record(
      `gateway gap, blue/green handover p50 / max (n=${handover.blueGreen.length})`,
      `${percentile(handover.blueGreen, 50).toFixed(0)} / ${Math.max(...handover.blueGreen).toFixed(0)} ms`,
    );
    record(
      `gateway gap, graceful stop (SIGTERM) p50 / max (n=${handover.stop.length})`,
      `${percentile(handover.stop, 50).toFixed(0)} / ${Math.max(...handover.stop).toFixed(0)} ms`,
      'max < 1000 ms',
      worstGap < 1_000,
    );
    await benchScale(record);
    printTable();
    console.log('\nGitHub requests of the happy-path prod deploy:');
    for (const r of counted) console.log(`  ${r.method} ${r.path} → ${r.status}`);
  } finally {
    const running = bot;
    if (running?.exitCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      running.kill('SIGKILL');
    }
    await standIns.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
