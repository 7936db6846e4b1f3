import { Routes, type APIMessage } from 'discord.js';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRest } from '../../src/adapters/discord/gateway.js';
import { createStatusBoardPoster } from '../../src/adapters/discord/status-board-poster.js';
import type { StatusBoardView } from '../../src/app/ports/status-board.js';
import { boardRows } from '../../src/domain/status-board.js';
import { startLocalDiscord, type LocalDiscord } from '../../src/sandbox/discord/index.js';

/** The status board's Discord side against the local Discord server: post + pin, edit, Unknown Message. */

const OPTIONS = {
  appId: '1100000000000000001',
  botToken: 'local-bot-token',
  guild: {
    id: '1200000000000000001',
    name: 'Release Ops',
    channelId: '1300000000000000001',
    roles: { r4: '1400000000000000004', r5: '1400000000000000005' },
  },
};
const CHANNEL = OPTIONS.guild.channelId;
const at = new Date('2026-12-01T10:00:00Z');

const view = (reason: string): StatusBoardView => ({
  at,
  rows: boardRows({
    at,
    envs: [
      {
        service: 'api',
        env: 'prod',
        live: { deployId: 'D1', version: 'v2026.12.01', sha: 'abcdef1'.padEnd(40, '0'), at, kind: 'deploy' },
        locks: [{ kind: 'manual', reason, by: 'bob' }],
        queued: 2,
      },
    ],
  }),
});

const pinnedIds = async (): Promise<string[]> => {
  const pins = (await rest.get(Routes.channelMessagesPins(CHANNEL))) as { items: { message: APIMessage }[] };
  return pins.items.map((pin) => pin.message.id);
};

let discord: LocalDiscord;
let rest: ReturnType<typeof createRest>;
beforeEach(async () => {
  discord = await startLocalDiscord(OPTIONS);
  rest = createRest({ token: OPTIONS.botToken, api: discord.apiUrl });
});
afterEach(async () => {
  await discord.close();
});

describe('status board poster (local Discord)', () => {
  it('posts the board pinned, edits it in place, and says when it is gone', async () => {
    const poster = createStatusBoardPoster({ rest, log: pino({ level: 'silent' }) });
    const id = await poster.post(CHANNEL, view('load test'));
    expect(await pinnedIds()).toEqual([id]);
    const posted = (await rest.get(Routes.channelMessage(CHANNEL, id))) as APIMessage;
    const field = posted.embeds[0]?.fields?.[0];
    expect(field?.name).toBe('api');
    expect(field?.value).toContain('**prod** — v2026.12.01 `abcdef1`');
    expect(field?.value).toContain(`deployed <t:${at.getTime() / 1000}:R>`);
    expect(field?.value).toContain('⏱️ 2 queued');

    // A lock reason is people's text: it cannot ping or format anything.
    expect(await poster.edit(CHANNEL, id, view('@everyone **now**'))).toBe('edited');
    const edited = (await rest.get(Routes.channelMessage(CHANNEL, id))) as APIMessage;
    expect(edited.embeds[0]?.fields?.[0]?.value).toContain('\\*\\*now\\*\\*');
    expect(edited.embeds[0]?.fields?.[0]?.value).not.toContain('@everyone');

    // Someone unpins it: the check pins it again.
    await rest.delete(Routes.channelMessagesPin(CHANNEL, id));
    expect(await pinnedIds()).toEqual([]);
    expect(await poster.check(CHANNEL, id)).toBe('present');
    expect(await pinnedIds()).toEqual([id]);

    // Someone deletes it: Discord answers Unknown Message, the app posts a new one.
    await rest.delete(Routes.channelMessage(CHANNEL, id));
    expect(await poster.edit(CHANNEL, id, view('x'))).toBe('missing');
    expect(await poster.check(CHANNEL, id)).toBe('missing');
  });

  it('other Discord errors are thrown, so the job tries again', async () => {
    const poster = createStatusBoardPoster({ rest, log: pino({ level: 'silent' }) });
    const id = await poster.post(CHANNEL, view('x'));
    discord.failNextRequests(`PATCH /channels/${CHANNEL}/messages/${id}`, 500, 5);
    await expect(poster.edit(CHANNEL, id, view('y'))).rejects.toThrow();
  });

  it('a board whose pin failed is still posted once, and the check pins it later', async () => {
    const poster = createStatusBoardPoster({ rest, log: pino({ level: 'silent' }) });
    discord.failNextRequests(/^PUT .*\/pins\//, 500, 5);
    const id = await poster.post(CHANNEL, view('x'));
    expect(await pinnedIds()).toEqual([]);
    expect(await poster.check(CHANNEL, id)).toBe('present');
    expect(await pinnedIds()).toEqual([id]);
  });
});
