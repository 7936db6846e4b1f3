import type { Interaction } from 'discord.js';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { AppDeps } from '../../../src/app/ports/deps.js';
import type {
  ButtonDefinition,
  MessageView,
  RegisteredCommand,
} from '../../../src/adapters/discord/command.js';
import { MONGO_UNAVAILABLE_MESSAGE } from '../../../src/adapters/discord/deadline.js';
import { createInteractionRouter } from '../../../src/adapters/discord/router.js';
import { createMetrics } from '../../../src/adapters/http/metrics.js';
import { isMongoUnavailable } from '../../../src/adapters/mongo/unavailable.js';

const UNAVAILABLE = `❌ ${MONGO_UNAVAILABLE_MESSAGE}`;

/** What the person saw of one interaction, in order: each call the router made to Discord. */
type Call = { at: number; call: string; content?: string | undefined; ephemeral?: boolean };

function fakeInteraction(kind: 'command' | 'button', name: string) {
  const calls: Call[] = [];
  const record =
    (call: string) =>
    (payload?: { content?: string; flags?: number }): Promise<void> => {
      calls.push({
        at: Date.now(),
        call,
        content: payload?.content,
        ...(payload?.flags ? { ephemeral: true } : {}),
      });
      return Promise.resolve();
    };
  const interaction = {
    id: '1',
    commandName: name,
    customId: `${name}:abc`,
    channelId: '2',
    message: { id: '3' },
    user: { id: '4', username: 'alice', globalName: null },
    member: null,
    options: { data: [] },
    isChatInputCommand: () => kind === 'command',
    isAutocomplete: () => false,
    isButton: () => kind === 'button',
    isModalSubmit: () => false,
    deferReply: record('deferReply'),
    editReply: record('editReply'),
    deleteReply: record('deleteReply'),
    followUp: record('followUp'),
    reply: record('reply'),
    showModal: record('showModal'),
  };
  return { interaction: interaction as unknown as Interaction, calls };
}

/** A handler that answers only when the test says so. */
function heldHandler() {
  let release: (view: MessageView) => void = () => undefined;
  const answer = new Promise<MessageView>((resolve) => {
    release = resolve;
  });
  return { run: () => answer, release: (view: MessageView) => release(view) };
}

function command(run: () => Promise<MessageView>, ephemeral = true): RegisteredCommand {
  return {
    data: { name: 'deploy', description: 'Deploy' },
    options: z.object({}),
    ephemeral,
    run,
  };
}

function router(
  options: { commands?: RegisteredCommand[]; buttons?: ButtonDefinition[]; troubled?: () => boolean } = {},
) {
  return createInteractionRouter({
    commands: options.commands ?? [],
    buttons: options.buttons ?? [],
    modals: [],
    deps: {} as AppDeps,
    log: pino({ level: 'silent' }),
    metrics: createMetrics(),
    mongoTroubled: options.troubled ?? (() => false),
  });
}

describe('the router answers within the 3 s even when MongoDB does not', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('edits the deferred reply with "temporarily unavailable" at 2.5 s, and never with the late answer', async () => {
    const held = heldHandler();
    const route = router({ commands: [command(held.run)], troubled: () => true });
    const { interaction, calls } = fakeInteraction('command', 'deploy');
    const start = Date.now();
    const routed = route(interaction);
    await vi.advanceTimersByTimeAsync(2_499);
    expect(calls.map((c) => c.call)).toEqual(['deferReply']);
    await vi.advanceTimersByTimeAsync(1);
    await routed;
    expect(calls.at(-1)).toMatchObject({ call: 'editReply', content: UNAVAILABLE, at: start + 2_500 });

    held.release({ content: 'Dispatched web → staging' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.map((c) => c.call)).toEqual(['deferReply', 'editReply']);
  });

  it('lets a handler that is slow for another reason (MongoDB fine) answer when it is done', async () => {
    const held = heldHandler();
    const route = router({ commands: [command(held.run)], troubled: () => false });
    const { interaction, calls } = fakeInteraction('command', 'deploy');
    const routed = route(interaction);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(calls.map((c) => c.call)).toEqual(['deferReply']);
    held.release({ content: 'Dispatched web → staging' });
    await routed;
    expect(calls.at(-1)).toMatchObject({ call: 'editReply', content: 'Dispatched web → staging' });
  });

  it('answers "temporarily unavailable" when the handler fails with a driver timeout', async () => {
    const timeout = Object.assign(new Error('connection 5 to 127.0.0.1:27017 timed out'), {
      name: 'MongoNetworkTimeoutError',
    });
    const route = router({ commands: [command(() => Promise.reject(timeout))] });
    const { interaction, calls } = fakeInteraction('command', 'deploy');
    await route(interaction);
    expect(calls.at(-1)).toMatchObject({ call: 'editReply', content: UNAVAILABLE });
  });

  it('answers an outage to a public command to the person alone (ephemeral follow-up)', async () => {
    const held = heldHandler();
    const route = router({ commands: [command(held.run, false)], troubled: () => true });
    const { interaction, calls } = fakeInteraction('command', 'deploy');
    const routed = route(interaction);
    await vi.advanceTimersByTimeAsync(2_500);
    await routed;
    expect(calls.map((c) => c.call)).toEqual(['deferReply', 'deleteReply', 'followUp']);
    expect(calls.at(-1)).toMatchObject({ content: UNAVAILABLE, ephemeral: true });
  });

  it('replies instead of opening a form whose look-up hangs on MongoDB', async () => {
    const button: ButtonDefinition = {
      action: 'override',
      modal: () => new Promise(() => undefined),
      run: () => Promise.resolve({ content: 'ran' }),
    };
    const route = router({ buttons: [button], troubled: () => true });
    const { interaction, calls } = fakeInteraction('button', 'override');
    const routed = route(interaction);
    await vi.advanceTimersByTimeAsync(2_500);
    await routed;
    expect(calls).toEqual([
      expect.objectContaining({ call: 'reply', content: UNAVAILABLE, ephemeral: true }),
    ]);
  });

  it('a button held up by MongoDB gets the same answer after its defer', async () => {
    const held = heldHandler();
    const button: ButtonDefinition = { action: 'approve', run: held.run };
    const route = router({ buttons: [button], troubled: () => true });
    const { interaction, calls } = fakeInteraction('button', 'approve');
    const routed = route(interaction);
    await vi.advanceTimersByTimeAsync(2_500);
    await routed;
    expect(calls.map((c) => [c.call, c.content])).toEqual([
      ['deferReply', undefined],
      ['editReply', UNAVAILABLE],
    ]);
  });
});

describe('isMongoUnavailable', () => {
  const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

  it('knows the driver errors, mongoose buffering and wrapped causes', () => {
    expect(isMongoUnavailable(named('MongoServerSelectionError'))).toBe(true);
    expect(isMongoUnavailable(named('MongoNetworkTimeoutError'))).toBe(true);
    expect(
      isMongoUnavailable(new Error('Operation `deploys.findOne()` buffering timed out after 10000ms')),
    ).toBe(true);
    expect(isMongoUnavailable(new Error('request failed', { cause: named('MongoNetworkError') }))).toBe(true);
  });

  it('does not take a refused write or a bug for an outage', () => {
    expect(isMongoUnavailable(named('MongoServerError', 'E11000 duplicate key error'))).toBe(false);
    expect(isMongoUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isMongoUnavailable('MongoServerSelectionError')).toBe(false);
  });
});
