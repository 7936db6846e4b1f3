import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modals } from '../../commands/index.js';
import { OVERRIDE_MODAL } from '../../commands/override.js';
import { customId, parseCustomId } from '../../src/adapters/discord/command.js';
import { DEPLOY_BUTTONS } from '../../src/adapters/discord/render/deploy-card.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { ManualClock } from '../../src/domain/clock.js';
import { people, startAppHarness, testConfig, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { recordFigure } from './figures.js';
import {
  autocompleteOptions,
  createRouterDriver,
  freeTextOptions,
  judge,
  type Outcome,
  type RouterDriver,
} from './router-driver.js';

/** SPEC §13: whatever is typed, nobody is pinged, the layout holds, and the answer is one Discord takes. */
export const HOSTILE_CORPUS: readonly string[] = [
  '@everyone @here look',
  '<@900000000000000002> <@!900000000000000003> <@&990000000000000105>',
  '[totally safe](https://evil.example/phish) and <https://evil.example>',
  '```js\nunterminated fence',
  '``` ``` ```',
  '\u202eevil\u202c \u2066isolate\u2069 \u200b\u200c\u200d\u2060\ufeff',
  'nul\u0000byte\u0000',
  'x'.repeat(6_000),
  `${'a'.repeat(1_999)}😀${'b'.repeat(10)}`, // a surrogate pair across Discord's 2000-character cut
  `${'é'.repeat(99)}\ud83d`, // a lone high surrogate at the end
  '=HYPERLINK("https://evil.example","x")',
  '+cmd|" /C calc"!A0',
  '-2+3',
  '@SUM(1+1)*cmd|',
  '**bold** __under__ ~~strike~~ ||spoiler|| # heading\n> quote',
  '\n\n\n\n\n\n\n\n\n\n',
  '',
  ' ',
  '__proto__',
  'constructor',
  '../../../etc/passwd',
  'main; rm -rf /',
];

/** Arbitrary text biased towards the pieces that hurt: mentions, fences, bidi, NUL, surrogates, formulas. */
const hostile = fc.oneof(
  fc.constantFrom(...HOSTILE_CORPUS),
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.constantFrom('@everyone', '<@&990000000000000105>', '```', '\u202e', '\u0000', '\ud83d', '=', '`'),
        fc.string({ unit: 'binary', maxLength: 8 }),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: 'binary', minLength: 1_990, maxLength: 2_010 }),
);

const RUNS_PER_FIELD = 20;
let h: AppHarness;
let driver: RouterDriver;
const totals = { tried: 0, problems: 0, pings: 0, modalFields: 0 };
const seen: string[] = [];

function check(outcome: Outcome, where: string, input: string): void {
  totals.tried += 1;
  totals.pings += outcome.pings;
  totals.problems += outcome.problems.length;
  if (outcome.problems.length || outcome.pings)
    seen.push(
      `${where} ${JSON.stringify(input.slice(0, 80))}: ${outcome.problems.join('; ')} pings=${outcome.pings}`,
    );
  expect(outcome.pings, where).toBe(0);
  expect(outcome.problems, where).toEqual([]);
  expect(outcome.sent.length, `${where} answered`).toBeGreaterThan(0);
}

/** The text inputs of a form as the bot shows it (custom_id of each), read from the showModal payload. */
function fieldsOf(form: Record<string, unknown>): string[] {
  const rows = (form.components ?? []) as { components?: { type: number; custom_id?: string }[] }[];
  return rows
    .flatMap((row) => row.components ?? [])
    .flatMap((c) => (c.type === 4 && c.custom_id ? [c.custom_id] : []));
}

beforeAll(async () => {
  // No recurring freeze windows, except in the modal test's own harness.
  h = await startAppHarness();
  driver = createRouterDriver(h.deps);
});
afterAll(async () => {
  await h.close();
  recordFigure('hostile text', {
    tried: totals.tried,
    problems: totals.problems,
    detail: {
      pings: totals.pings,
      'slash options': freeTextOptions().length,
      'autocomplete options': autocompleteOptions().length,
      'modal fields': totals.modalFields,
    },
  });
});

describe('the checks themselves', () => {
  it('catch a ping, a body Discord refuses, an open fence and an unexpected error', () => {
    const sent = (payload: Record<string, unknown>) => [{ call: 'editReply', payload }];
    expect(judge(sent({ content: 'hi @everyone' }), []).pings).toBe(1);
    expect(judge(sent({ content: '<@&1>', allowedMentions: { parse: ['roles'] } }), []).pings).toBe(1);
    expect(judge(sent({ content: 'hi @everyone', allowedMentions: { parse: [] } }), []).pings).toBe(0);
    expect(judge(sent({ content: 'x'.repeat(2_001) }), []).problems).toHaveLength(1);
    expect(judge(sent({ content: '```js' }), []).problems).toEqual(['editReply: an unbalanced code fence']);
    expect(judge(sent({ content: 'Something went wrong (ref: ab12cd34).' }), []).problems).toHaveLength(1);
    expect(judge([], ['{"level":50,"msg":"could not answer interaction"}']).problems).toHaveLength(1);
    const respond = (choices: unknown) => [{ call: 'respond', payload: choices as Record<string, unknown> }];
    expect(judge(respond([{ name: 'x'.repeat(101), value: 'x' }]), []).problems).toHaveLength(1);
    expect(judge(respond([{ name: '', value: 'x' }]), []).problems).toHaveLength(1);
    expect(judge(respond([{ name: 'api', value: 'api' }]), []).problems).toEqual([]);
  });
});

describe('hostile text through every free-text option', () => {
  const options = freeTextOptions();

  it('finds the free-text options of the registered commands (a new command adds its own rows)', () => {
    const names = options.map((o) => `${o.command}${o.subcommand ? ` ${o.subcommand}` : ''}.${o.option}`);
    expect(names).toEqual(expect.arrayContaining(['deploy.ref', 'deploy.reason', 'deploy.service']));
    expect(names.length).toBeGreaterThan(8);
  });

  it.each(
    options.map((o) => [`/${o.command}${o.subcommand ? ` ${o.subcommand}` : ''} ${o.option}`, o] as const),
  )('%s: no ping, no broken layout, no refused answer, no crash', async (where, option) => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom(people.alice, people.bob, people.dave),
        async (text, person) => {
          const outcome = await driver.command(
            person,
            option.command,
            { ...option.others, [option.option]: text },
            option.subcommand,
          );
          check(outcome, where, text);
        },
      ),
      { numRuns: RUNS_PER_FIELD, examples: HOSTILE_CORPUS.map((t) => [t, people.bob]) },
    );
  });
});

describe('hostile text while typing into an option with suggestions', () => {
  const options = autocompleteOptions();

  it('finds the options with suggestions (service, env, …)', () => {
    expect(options.map((o) => `${o.command}.${o.option}`)).toEqual(
      expect.arrayContaining(['deploy.service', 'deploy.env']),
    );
  });

  it.each(
    options.map((o) => [`/${o.command}${o.subcommand ? ` ${o.subcommand}` : ''} ${o.option}`, o] as const),
  )(
    '%s: the suggestions are ones Discord takes, and nothing is logged as an error',
    async (where, option) => {
      await fc.assert(
        fc.asyncProperty(hostile, async (text) => {
          const outcome = await driver.autocomplete(
            people.alice,
            option.command,
            option.option,
            text,
            option.others,
            option.subcommand,
          );
          check(outcome, `${where} (suggestions)`, text);
          expect(outcome.sent.map((s) => s.call)).toEqual(['respond']);
        }),
        { numRuns: RUNS_PER_FIELD / 2, examples: HOSTILE_CORPUS.map((t) => [t]) },
      );
    },
  );
});

/** The forms this file fills in, by modal action: a modal registered without a row here fails below. */
const MODAL_CASES = [OVERRIDE_MODAL];

describe('hostile text through every modal field', () => {
  it('covers every registered modal', () => {
    expect([...MODAL_CASES].sort()).toEqual(modals.map((m) => m.action).sort());
  });

  it('the emergency override form: every field of the form the bot shows', async () => {
    // Saturday 7 March 2026 17:30 UTC: inside the example's freeze buffer, so prod deploys queue.
    const clock = new ManualClock('2026-03-07T17:30:00Z');
    const frozen = await startAppHarness({ clock, config: testConfig() });
    try {
      const modalDriver = createRouterDriver(frozen.deps);
      const staging = await requestDeploy(frozen.deps, {
        actor: people.alice,
        service: 'api',
        env: 'staging',
      });
      const done = await trackUntilDone(frozen.deps, staging.progress.deploy.id);
      await frozen.deps.repos.deploys.update(done.id, { verification: 'verified' }, clock.now());
      const queued = async (): Promise<string> => {
        const { progress } = await requestDeploy(frozen.deps, {
          actor: people.alice,
          service: 'api',
          env: 'prod',
        });
        return progress.deploy.id;
      };
      let id = await queued();
      // The form as an R5 gets it from the queued card's button: its fields are what gets typed into.
      const opened = await modalDriver.button(people.bob, customId(DEPLOY_BUTTONS.overrideFreeze, id));
      expect(opened.problems).toEqual([]);
      const form = opened.sent.find((s) => s.call === 'showModal')?.payload ?? {};
      expect(parseCustomId(String(form.custom_id))?.action).toBe(OVERRIDE_MODAL);
      const fields = fieldsOf(form);
      expect(fields.length).toBeGreaterThanOrEqual(2);
      totals.modalFields += fields.length;
      const filled = fc.record(Object.fromEntries(fields.map((f) => [f, hostile])));
      await fc.assert(
        fc.asyncProperty(filled, async (values) => {
          if ((await frozen.deps.repos.deploys.get(id))?.state !== 'queued') id = await queued();
          const outcome = await modalDriver.modal(people.bob, customId(OVERRIDE_MODAL, id), values);
          check(outcome, 'override modal', Object.values(values).join(' | '));
          expect(outcome.ephemeral).toBe(true);
        }),
        {
          numRuns: 2 * RUNS_PER_FIELD,
          examples: HOSTILE_CORPUS.map((t) => [Object.fromEntries(fields.map((f) => [f, t]))]),
        },
      );
    } finally {
      await frozen.close();
    }
  });
});
