import type { REST } from '@discordjs/rest';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createDiscordNotifier } from '../../../src/adapters/discord/notifier.js';
import { approverRoles, forService } from '../../../src/domain/roles.js';
import type { Approval, Deploy } from '../../../src/domain/model.js';
import { ROLES, testConfig } from '../../helpers/app-deps.js';

const WEB_APPROVERS = '990000000000000202';
const API_APPROVERS = '990000000000000203';

const config = testConfig((raw) => {
  const services = raw.services as Record<string, Record<string, unknown>>;
  services.web!.roles = { approvers: [WEB_APPROVERS], replace: true };
  services.api!.roles = { approvers: [API_APPROVERS, ROLES.r5] };
});

interface Sent {
  content?: string;
  allowed_mentions?: { parse: string[]; roles?: string[] };
}

/** The notifier over a REST client that only records what would be sent to Discord. */
function notifierSending(): { notifier: ReturnType<typeof createDiscordNotifier>; sent: Sent[] } {
  const sent: Sent[] = [];
  const rest = {
    post: (_route: string, options: { body: Sent }) => {
      sent.push(options.body);
      return Promise.resolve({ id: '990000000000009999' });
    },
    patch: () => Promise.resolve({}),
  } as unknown as REST;
  const notifier = createDiscordNotifier({
    rest,
    config,
    log: pino({ level: 'silent' }),
    saveCardLocation: () => Promise.resolve(),
  });
  return { notifier, sent };
}

const deployOf = (service: string): Deploy =>
  ({
    id: 'D00000001',
    kind: 'deploy',
    service,
    env: 'prod',
    ref: 'main',
    sha: 'a'.repeat(40),
    state: 'awaiting_approval',
    reason: 'ship it',
    requestedBy: { id: '900000000000000001', name: 'alice' },
    createdAt: new Date('2026-12-01T10:00:00Z'),
    updatedAt: new Date('2026-12-01T10:00:00Z'),
    rev: 1,
  }) as unknown as Deploy;

const approval = { expiresAt: new Date('2026-12-01T11:00:00Z') } as unknown as Approval;

describe('who is pinged to approve (§16: a service’s own approvers)', () => {
  it('the global R5 unless the service replaces it, then the service’s approvers, each once', () => {
    expect(approverRoles(forService(ROLES, config.services.web))).toEqual([WEB_APPROVERS]);
    expect(approverRoles(forService(ROLES, config.services.api))).toEqual([ROLES.r5, API_APPROVERS]);
    expect(approverRoles(ROLES)).toEqual([ROLES.r5]);
  });

  it('the approval card, the reminder and the acknowledgement request ping exactly those roles', async () => {
    for (const [service, roles] of [
      ['web', [WEB_APPROVERS]],
      ['api', [ROLES.r5, API_APPROVERS]],
    ] as const) {
      const { notifier, sent } = notifierSending();
      const deploy = deployOf(service);
      await notifier.showCard(deploy, { pingApprovers: true });
      await notifier.remindApprovers(deploy, approval);
      await notifier.askAcknowledgement?.(deploy);
      expect(sent).toHaveLength(3);
      for (const message of sent) {
        expect(message.allowed_mentions).toEqual({ parse: [], roles });
        const mentioned = [...(message.content ?? '').matchAll(/<@&(\d+)>/g)].map((m) => m[1]);
        expect(mentioned).toEqual(roles);
      }
    }
  });

  it('a card posted without asking for approval pings nobody', async () => {
    const { notifier, sent } = notifierSending();
    await notifier.showCard(deployOf('api'));
    expect(sent[0]?.allowed_mentions).toEqual({ parse: [] });
    expect(sent[0]?.content ?? '').not.toMatch(/<@&/);
  });
});
