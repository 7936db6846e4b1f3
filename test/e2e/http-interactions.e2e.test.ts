import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useE2E } from './harness.js';
import { BotProcess } from './support/bot-process.js';
import { freePort } from './support/config-file.js';

// HTTP interactions mode (SPEC §9) with the real bot: the local Discord posts signed interactions to the
// Interactions Endpoint URL instead of sending them over the gateway.
const ROOT = join(import.meta.dirname, '..', '..');
const e2e = useE2E({
  env: { INSTANCE_ID: 'bot-a' },
  config: (base) => ({ ...base, freezeWindows: [], gateway: { leaseTtl: '4s', renewEvery: '1s' } }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const endpointOf = (base: string) => `${base}/discord/interactions`;

describe('HTTP interactions endpoint (real process)', () => {
  it('refuses unsigned and forged requests with 401, and passes the Developer Portal check', async () => {
    const { discord, httpUrl } = e2e();
    const ping = JSON.stringify({ id: '1', application_id: discord.appId, type: 1, token: 't', version: 1 });
    const unsigned = await fetch(endpointOf(httpUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: ping,
    });
    expect(unsigned.status).toBe(401);
    const forged = await fetch(endpointOf(httpUrl), {
      method: 'POST',
      headers: discord.signInteraction(ping.replace('"t"', '"x"')),
      body: ping,
    });
    expect(forged.status).toBe(401);
    await discord.setInteractionsEndpoint([endpointOf(httpUrl)]);
  });

  it('answers a command that came over HTTP, through the same router as the gateway', async () => {
    const { discord, httpUrl } = e2e();
    // Discord sends interactions to the endpoint once it is set (as the Developer Portal does).
    await discord.setInteractionsEndpoint([endpointOf(httpUrl)]);
    const before = discord.interactionDeliveries();
    const reply = await discord.runCommand('carol', 'health').response({ timeoutMs: 15_000 });
    expect(reply.embeds[0]?.fields?.find((f) => f.name === 'Leader')?.value).toMatch(/`bot-a`/);
    expect(discord.interactionDeliveries().answered).toBe(before.answered + 1);
  });

  it('two instances changing over (blue/green, then SIGTERM) while interactions arrive lose none', async () => {
    const { discord, env, httpUrl, bot } = e2e();
    const port = await freePort();
    const second = new BotProcess({
      cwd: ROOT,
      env: { ...env, INSTANCE_ID: 'bot-b', PORT: String(port) },
      entry: 'src/main.ts',
    });
    onTestFinished(async () => {
      await second.stop(10_000);
    }, 20_000);
    await second.waitForLog((line) => line.msg === 'release console ready', 60_000);
    // Both behind the load balancer: it sends each interaction to the next instance that takes it.
    await discord.setInteractionsEndpoint([endpointOf(httpUrl), endpointOf(`http://127.0.0.1:${port}`)]);
    const before = discord.interactionDeliveries();
    const answers: Promise<unknown>[] = [];
    let sent = 0;
    const stream = (async () => {
      // One interaction every 100 ms through the handover and the old instance's shutdown (bounded).
      for (let i = 0; i < 60; i += 1) {
        answers.push(
          discord.runCommand('carol', 'history', { service: 'api' }).response({ timeoutMs: 15_000 }),
        );
        sent += 1;
        await sleep(100);
      }
    })();
    await sleep(1_500);
    bot.kill('SIGTERM');
    await stream;
    const settled = await Promise.allSettled(answers);
    const failed = settled.filter((s) => s.status === 'rejected');
    expect(failed).toEqual([]);
    expect(sent).toBe(60);
    const after = discord.interactionDeliveries();
    expect(after.lost - before.lost).toBe(0);
    expect(after.answered - before.answered).toBe(60);
    // The old instance really went away mid-stream: some interactions were turned to the other one.
    expect(after.failedOver).toBeGreaterThan(before.failedOver);
    expect(await bot.exited).toBe(0);
  });
});
