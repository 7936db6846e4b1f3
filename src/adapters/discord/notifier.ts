import type { REST } from '@discordjs/rest';
import {
  ButtonStyle,
  ComponentType,
  Routes,
  type APIMessage,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { CardLocation, DeployNotifier } from '../../app/ports/notifier.js';
import type { Config } from '../../config.js';
import type { Deploy } from '../../domain/model.js';
import { neutralizeMentions } from '../../domain/text.js';
import type { Logger } from '../../logger.js';
import type { MessageView } from './command.js';
import { safeView } from './render/common.js';
import { renderAcknowledgementRequest } from './render/rollback.js';
import { renderSmokeSummary } from './render/smoke.js';
import { button, DEPLOY_BUTTONS, renderDeployCard, renderDeployMarker } from './render/deploy-card.js';
import { renderAnnouncement } from './render/freeze.js';

function body(view: MessageView, allowedRoles: string[] = []): RESTPostAPIChannelMessageJSONBody {
  const safe = safeView(view);
  return {
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
  const repoOf = (deploy: Deploy) => config.services[deploy.service]?.repo ?? 'unknown/unknown';

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
    async syncCard(deploy, extra = {}): Promise<CardLocation | undefined> {
      const view = renderDeployCard(deploy, {
        repo: repoOf(deploy),
        ...(extra.approval ? { approval: extra.approval } : {}),
        ...(extra.stuck ? { stuck: true } : {}),
      });
      if (deploy.messageId) {
        const target = deploy.channelId ?? channelId;
        await rest.patch(Routes.channelMessage(target, deploy.messageId), { body: body(view) });
        return { channelId: target, messageId: deploy.messageId };
      }
      const r5 = config.discord.roles.r5;
      const content = extra.pingApprovers
        ? `<@&${r5}> approval needed: ${deploy.service} → ${deploy.env} (${deploy.id})`
        : undefined;
      const message = (await rest.post(Routes.channelMessages(channelId), {
        body: body({ ...view, ...(content ? { content } : {}) }, extra.pingApprovers ? [r5] : []),
      })) as APIMessage;
      const location = { channelId, messageId: message.id };
      await options.saveCardLocation(deploy.id, location);
      return location;
    },

    async remindApprovers(deploy, approval) {
      const r5 = config.discord.roles.r5;
      const link = deploy.messageId
        ? ` https://discord.com/channels/${config.discord.guilds[0]?.id ?? '@me'}/${channelId}/${deploy.messageId}`
        : '';
      await rest.post(Routes.channelMessages(channelId), {
        body: body(
          {
            content: `<@&${r5}> reminder: ${deploy.service} → ${deploy.env} (${deploy.id}) still needs an approval; it expires <t:${Math.floor(approval.expiresAt.getTime() / 1000)}:R>.${link}`,
          },
          [r5],
        ),
      });
    },

    async progress(deploy, text) {
      try {
        const threadId = await ensureThread(deploy);
        await rest.post(Routes.channelMessages(threadId ?? channelId), { body: body({ content: text }) });
      } catch (error) {
        // Progress lines are a convenience: the card carries the state. Never fail the flow for them.
        log.warn({ err: error, deployId: deploy.id }, 'could not post progress');
      }
    },

    async postMarker(deploy) {
      await rest.post(Routes.channelMessages(channelId), {
        body: body(renderDeployMarker(deploy, { repo: repoOf(deploy) })),
      });
    },

    async tellRequester(deploy, text, offer) {
      const components =
        offer === 'deploy-now'
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
        body: body({ content: `<@${deploy.requestedBy.id}> ${neutralizeMentions(text)}`, components }),
      });
    },

    async askAcknowledgement(deploy) {
      const r5 = config.discord.roles.r5;
      await rest.post(Routes.channelMessages(channelId), {
        body: body(renderAcknowledgementRequest(deploy, r5), [r5]),
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
