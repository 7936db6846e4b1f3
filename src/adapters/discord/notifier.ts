import { createHash } from 'node:crypto';
import type { REST } from '@discordjs/rest';
import {
  ButtonStyle,
  ComponentType,
  Routes,
  type APIMessage,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { CardLocation, DeployNotifier } from '../../app/ports/notifier.js';
import { environmentOf, serviceOf, type Config } from '../../config.js';
import type { Deploy } from '../../domain/model.js';
import { neutralizeMentions } from '../../domain/text.js';
import type { Logger } from '../../logger.js';
import type { MessageView } from './command.js';
import { safeView } from './render/common.js';
import { renderAcknowledgementRequest } from './render/rollback.js';
import { approverRoles, forService } from '../../domain/roles.js';
import { mentions } from './render/mentions.js';
import { renderSmokeSummary } from './render/smoke.js';
import { button, DEPLOY_BUTTONS, renderDeployCard, renderDeployMarker } from './render/deploy-card.js';
import { renderAnnouncement } from './render/freeze.js';
import { renderProgressLine, renderRequesterNotice } from './render/progress-line.js';

/**
 * A nonce per effect, with enforce_nonce: a post retried within Discord's window (a few minutes) answers the
 * message made the first time instead of a second one. Discord takes at most 25 characters.
 */
function nonceOf(deployId: string, key: string): string {
  return createHash('sha256').update(`${deployId}:${key}`).digest('base64url').slice(0, 25);
}

function body(
  view: MessageView,
  allowedRoles: string[] = [],
  nonce?: string,
): RESTPostAPIChannelMessageJSONBody {
  const safe = safeView(view);
  return {
    ...(nonce ? { nonce, enforce_nonce: true } : {}),
    ...(safe.content !== undefined ? { content: safe.content } : {}),
    ...(safe.embeds ? { embeds: safe.embeds } : {}),
    components: safe.components ?? [],
    // The R5 ping is the only mention the bot ever makes; everything else pings nobody.
    allowed_mentions: allowedRoles.length ? { parse: [], roles: allowedRoles } : { parse: [] },
  };
}

/** Posts and edits deploy cards, markers and progress through Discord's REST API. */
export function createDiscordNotifier(options: {
  rest: REST;
  config: Config;
  log: Logger;
  /** Records where the card was posted (and its thread), so later edits find it. */
  saveCardLocation: (
    deployId: string,
    location: { channelId: string; messageId: string; threadId?: string },
  ) => Promise<void>;
}): DeployNotifier {
  const { rest, config, log } = options;
  const channelId = config.discord.opsChannelId;
  const repoOf = (deploy: Deploy) => serviceOf(config, deploy.service)?.repo ?? 'unknown/unknown';
  // Who is pinged to approve or acknowledge: the service's approvers (§16) beside, or instead of, the R5.
  const approversOf = (deploy: Deploy): string[] =>
    approverRoles(forService(config.discord.roles, serviceOf(config, deploy.service)));

  // One thread per card even when two progress lines race to create it.
  const threads = new Map<string, Promise<string>>();
  async function createThread(deploy: Deploy, messageId: string): Promise<string> {
    const cardChannel = deploy.channelId ?? channelId;
    let threadId: string;
    try {
      const thread = (await rest.post(Routes.threads(cardChannel, messageId), {
        body: { name: `${deploy.service} → ${deploy.env} · ${deploy.id}`, auto_archive_duration: 1440 },
      })) as { id: string };
      threadId = thread.id;
    } catch (error) {
      // 160004: another instance created it first; a thread started from a message has the message's id.
      if ((error as { code?: unknown }).code !== 160004) throw error;
      threadId = messageId;
    }
    await options.saveCardLocation(deploy.id, { channelId: cardChannel, messageId, threadId });
    return threadId;
  }
  function ensureThread(deploy: Deploy): Promise<string> | undefined {
    if (deploy.threadId) return Promise.resolve(deploy.threadId);
    const messageId = deploy.messageId;
    if (!messageId) return undefined;
    let pending = threads.get(deploy.id);
    if (!pending) {
      pending = createThread(deploy, messageId);
      threads.set(deploy.id, pending);
      pending.catch(() => threads.delete(deploy.id));
    }
    return pending;
  }

  return {
    async showCard(deploy, extra = {}): Promise<CardLocation | undefined> {
      const view = renderDeployCard(deploy, {
        repo: repoOf(deploy),
        ...(extra.approval ? { approval: extra.approval } : {}),
        needsApproval:
          environmentOf(config, deploy.service, deploy.env)?.requiresApproval ??
          deploy.env === config.prodEnvironment,
      });
      if (deploy.messageId) {
        const target = deploy.channelId ?? channelId;
        await rest.patch(Routes.channelMessage(target, deploy.messageId), { body: body(view) });
        return { channelId: target, messageId: deploy.messageId };
      }
      const approvers = approversOf(deploy);
      const content = extra.pingApprovers
        ? `${mentions(approvers)} approval needed: ${deploy.service} → ${deploy.env} (${deploy.id})`
        : undefined;
      const message = (await rest.post(Routes.channelMessages(channelId), {
        body: body(
          { ...view, ...(content ? { content } : {}) },
          extra.pingApprovers ? approvers : [],
          nonceOf(deploy.id, 'card'),
        ),
      })) as APIMessage;
      return { channelId, messageId: message.id };
    },

    async remindApprovers(deploy, approval) {
      const approvers = approversOf(deploy);
      const link = deploy.messageId
        ? ` https://discord.com/channels/${config.discord.guilds[0]?.id ?? '@me'}/${channelId}/${deploy.messageId}`
        : '';
      await rest.post(Routes.channelMessages(channelId), {
        body: body(
          {
            content: `${mentions(approvers)} reminder: ${deploy.service} → ${deploy.env} (${deploy.id}) still needs an approval; it expires <t:${Math.floor(approval.expiresAt.getTime() / 1000)}:R>.${link}`,
          },
          approvers,
        ),
      });
    },

    async findPosted(deploy, what) {
      // The bot's recent messages in the ops channel carrying this deploy's footer.
      const recent = (await rest.get(Routes.channelMessages(channelId), {
        query: new URLSearchParams({ limit: '50' }),
      })) as APIMessage[];
      const found = recent.find((message) => {
        const embed = message.embeds[0];
        if (message.author.bot !== true || embed?.footer?.text.split(' · ')[0] !== `Deploy ${deploy.id}`)
          return false;
        return (embed.title?.startsWith('📍') ?? false) === (what === 'marker');
      });
      if (found)
        log.info({ deployId: deploy.id, what, messageId: found.id }, 'found a message posted before');
      return found ? { channelId, messageId: found.id } : undefined;
    },

    async progress(deploy, event, key) {
      const threadId = await ensureThread(deploy);
      await rest.post(Routes.channelMessages(threadId ?? channelId), {
        body: body({ content: renderProgressLine(deploy, event) }, [], nonceOf(deploy.id, key)),
      });
    },

    async postMarker(deploy) {
      await rest.post(Routes.channelMessages(channelId), {
        body: body(renderDeployMarker(deploy, { repo: repoOf(deploy) }), [], nonceOf(deploy.id, 'marker')),
      });
    },

    async tellRequester(deploy, notice, key) {
      const text = renderRequesterNotice(deploy, notice);
      const components =
        notice.kind === 'offer'
          ? [
              {
                type: ComponentType.ActionRow as const,
                components: [
                  button('Deploy now', DEPLOY_BUTTONS.deployNow, deploy.id, ButtonStyle.Success),
                  button('Cancel', DEPLOY_BUTTONS.cancel, deploy.id, ButtonStyle.Secondary),
                ],
              },
            ]
          : [];
      await rest.post(Routes.channelMessages(channelId), {
        body: body(
          { content: `<@${deploy.requestedBy.id}> ${neutralizeMentions(text)}`, components },
          [],
          nonceOf(deploy.id, key),
        ),
      });
    },

    async askAcknowledgement(deploy) {
      const approvers = approversOf(deploy);
      await rest.post(Routes.channelMessages(channelId), {
        body: body(renderAcknowledgementRequest(deploy, approvers), approvers),
      });
    },

    async smokeSummary(report) {
      await rest.post(Routes.channelMessages(channelId), {
        body: body({ content: renderSmokeSummary(report) }),
      });
    },

    async announce(announcement) {
      const view = renderAnnouncement(announcement, config.timezone);
      await rest.post(Routes.channelMessages(channelId), { body: body(view) });
    },
  };
}
