import { describe, expect, it } from 'vitest';
import type { ModalData, ObservedMessage } from '../../../src/sandbox/discord/index.js';
import { simplifyMarkup, type MarkupContext } from '../../../src/sandbox/console/markup.js';
import {
  renderMessage,
  renderModal,
  renderUsers,
  type RenderContext,
} from '../../../src/sandbox/console/render.js';

const NOW = new Date('2025-06-02T12:00:00Z');
const CTX: RenderContext = {
  users: new Map([
    ['111', 'alice'],
    ['222', 'bob'],
    ['900', 'Release Console'],
  ]),
  roles: new Map([['105', 'R5']]),
  now: NOW,
  timeZone: 'Europe/London',
  opsChannelId: '10',
};

function message(overrides: Partial<ObservedMessage> = {}): ObservedMessage {
  return {
    id: '5001',
    type: 0,
    channel_id: '10',
    author: { id: '900', username: 'release-console', global_name: null, discriminator: '0', avatar: null },
    content: '',
    embeds: [],
    components: [],
    attachments: [],
    flags: 0,
    timestamp: '2025-06-02T11:59:30.000Z',
    edited_timestamp: null,
    tts: false,
    pinned: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    visibleTo: null,
    ping: { users: [], roles: [], everyone: false },
    files: [],
    interactionId: null,
    ...overrides,
  };
}

/** Discord's JSON as it arrives (plain numbers, not discord-api-types enums). */
const components = (value: unknown): ObservedMessage['components'] =>
  JSON.parse(JSON.stringify(value)) as ObservedMessage['components'];
const modalData = (value: unknown): ModalData => JSON.parse(JSON.stringify(value)) as ModalData;

describe('console renderer', () => {
  it('draws an embed as a box with title, description and fields as name: value', () => {
    const text = renderMessage(
      message({
        embeds: [
          {
            title: '**Deploy api → prod**',
            description: 'Requested by <@111>',
            fields: [
              { name: 'SHA', value: '`abc1234`' },
              { name: 'Commits', value: '- fix: a\n- feat: b' },
            ],
          },
        ],
      }),
      CTX,
    );
    expect(text.split('\n')).toEqual([
      '── release-console · 12:59:30 · #5001',
      '  ┌────',
      '  │ Deploy api → prod',
      '  │ Requested by @alice',
      '  │ SHA: `abc1234`',
      '  │ Commits: - fix: a',
      '  │   - feat: b',
      '  └────',
    ]);
  });

  it('shows buttons in a row, marking disabled ones and link targets', () => {
    const text = renderMessage(
      message({
        components: components([
          {
            type: 1,
            components: [
              { type: 2, style: 3, label: 'Approve', custom_id: 'deploy:approve:x' },
              { type: 2, style: 4, label: 'Reject', custom_id: 'deploy:reject:x', disabled: true },
              { type: 2, style: 5, label: 'Run', url: 'https://github.com/o/r/actions/runs/1' },
            ],
          },
        ]),
      }),
      CTX,
    );
    expect(text).toContain('  [Approve] [Reject (disabled)] [Run ↗ https://github.com/o/r/actions/runs/1]');
  });

  it('marks ephemeral answers with who sees them, edits, and lists attachments', () => {
    const text = renderMessage(
      message({
        flags: 64,
        visibleTo: '111',
        content: 'Export ready',
        edited_timestamp: '2025-06-02T11:59:45.000Z',
        attachments: [
          { id: '1', filename: 'audit.csv', size: 2048, url: 'u', proxy_url: 'p' },
        ] as ObservedMessage['attachments'],
      }),
      CTX,
    );
    expect(text.split('\n')).toEqual([
      '── release-console · 12:59:45 · #5001 (only you: alice) (edited)',
      '  Export ready',
      '  📎 audit.csv (2.0 kB)',
    ]);
  });

  it('says when a message is in a thread rather than the ops channel', () => {
    expect(renderMessage(message({ channel_id: '77', content: 'x' }), CTX)).toContain('(in thread 77)');
  });

  it('renders a form with its field ids', () => {
    const text = renderModal(
      modalData({
        custom_id: 'override:1',
        title: 'Emergency override',
        components: [
          { type: 18, label: 'Rollback plan', component: { type: 4, custom_id: 'plan', style: 2 } },
          {
            type: 1,
            components: [{ type: 4, custom_id: 'ticket', label: 'Ticket', style: 1, required: false }],
          },
        ],
      }),
      'bob',
    );
    expect(text.split('\n')).toEqual([
      '── form for bob: Emergency override (answer with: as bob modal field:value …)',
      '  plan',
      '  ticket "Ticket" (optional)',
    ]);
  });

  it('lists users with their roles', () => {
    expect(
      renderUsers([
        { name: 'alice', id: '1', roles: ['R4'] },
        { name: 'dave', id: '4', roles: [] },
      ]),
    ).toBe('  alice  R4\n  dave   (no role)');
  });
});

describe('markup simplification', () => {
  const ctx: MarkupContext = CTX;

  it('turns timestamps into local or relative time', () => {
    const inTenMinutes = NOW.getTime() / 1000 + 600;
    expect(simplifyMarkup(`expires <t:${inTenMinutes}:R>`, ctx)).toBe('expires in 10 min');
    expect(simplifyMarkup(`<t:${NOW.getTime() / 1000 - 7200}:R>`, ctx)).toBe('2 h ago');
    // 12:10 UTC is 13:10 in London in June.
    expect(simplifyMarkup(`at <t:${inTenMinutes}:t>`, ctx)).toBe('at 13:10');
    expect(simplifyMarkup(`<t:${inTenMinutes}:F>`, ctx)).toBe('2025-06-02 13:10');
    expect(simplifyMarkup(`<t:${inTenMinutes}>`, ctx)).toBe('2025-06-02 13:10');
  });

  it('turns user and role mentions into names', () => {
    expect(simplifyMarkup('<@&105> please review, asked by <@111> and <@!222>; <@999>', ctx)).toBe(
      '@R5 please review, asked by @alice and @bob; @999',
    );
  });

  it('strips emphasis consistently and keeps escaped characters literal', () => {
    expect(simplifyMarkup('**Service:** api, __env__ *prod* ~~old~~', ctx)).toBe(
      'Service: api, env prod old',
    );
    expect(simplifyMarkup('\\*\\*not bold\\*\\* snake\\_case', ctx)).toBe('**not bold** snake_case');
    expect(simplifyMarkup('[run 42](https://github.com/o/r/actions/runs/42)', ctx)).toBe(
      'run 42 (https://github.com/o/r/actions/runs/42)',
    );
    expect(simplifyMarkup('x * y * z and a_b_c', ctx)).toBe('x * y * z and a_b_c');
  });
});
