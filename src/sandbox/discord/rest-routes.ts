import { overwriteCommands } from './commands.js';
import { DiscordHttpError, invalidForm } from './http.js';
import { interactionRoutes } from './rest-interactions.js';
import { messageRoutes } from './rest-messages.js';
import { ok, route, type Route, type ServerContext } from './router.js';

export function allRoutes(ctx: ServerContext): Route[] {
  return [...miscRoutes(ctx), ...commandRoutes(ctx), ...messageRoutes(ctx), ...interactionRoutes(ctx)];
}

function miscRoutes(ctx: ServerContext): Route[] {
  const s = ctx.state;
  const gatewayUrl = (): string => ctx.origin().replace(/^http/, 'ws');
  const guild = (id: string | undefined) => {
    if (id !== s.guildId) throw new DiscordHttpError(404, 10004, 'Unknown Guild');
    return s;
  };
  return [
    route('GET', '/gateway', 'token', () => ok({ url: gatewayUrl() })),
    route('GET', '/gateway/bot', 'bot', () =>
      ok({
        url: gatewayUrl(),
        shards: 1,
        session_start_limit: {
          total: 1000,
          remaining: 1000 - ctx.gateway.counts().totalIdentified,
          reset_after: 86_400_000,
          max_concurrency: 1,
        },
      }),
    ),
    route('GET', '/users/@me', 'bot', () =>
      ok({ ...s.botUser, verified: true, mfa_enabled: false, locale: 'en-US', email: null, premium_type: 0 }),
    ),
    // The guilds the bot is in (partial guilds, as Discord lists them).
    route('GET', '/users/@me/guilds', 'bot', () =>
      ok([
        {
          id: s.guildId,
          name: s.guildName,
          icon: null,
          banner: null,
          owner: false,
          permissions: s.memberPermissions(s.appId),
          features: [],
          approximate_member_count: s.members.size,
          approximate_presence_count: 0,
        },
      ]),
    ),
    route('GET', '/applications/@me', 'bot', () =>
      ok({
        id: s.appId,
        name: s.botUser.username,
        icon: null,
        description: '',
        summary: '',
        type: null,
        bot_public: false,
        bot_require_code_grant: false,
        verify_key: '0'.repeat(64),
        flags: 0,
        bot: s.botUser,
        owner: s.botUser,
        team: null,
        approximate_guild_count: 1,
      }),
    ),
    route('GET', '/guilds/:guild', 'bot', ({ params }) => ok(guild(params.guild).guildJson())),
    route('GET', '/guilds/:guild/roles', 'bot', ({ params }) =>
      ok([...guild(params.guild).roles.values()].map((r) => s.roleJson(r))),
    ),
    route('GET', '/guilds/:guild/channels', 'bot', ({ params }) =>
      ok([...guild(params.guild).channels.values()].filter((c) => c.type === 0).map((c) => s.channelJson(c))),
    ),
    route('GET', '/guilds/:guild/members/:user', 'bot', ({ params }) => {
      const member = params.user === undefined ? undefined : guild(params.guild).members.get(params.user);
      if (!member) throw new DiscordHttpError(404, 10007, 'Unknown Member');
      return ok(s.memberJson(member));
    }),
  ];
}

function commandRoutes(ctx: ServerContext): Route[] {
  const s = ctx.state;
  const app = (id: string | undefined): void => {
    if (id !== s.appId) throw new DiscordHttpError(403, 50001, 'Missing Access');
  };
  const guild = (id: string | undefined): string => {
    if (id !== s.guildId) throw new DiscordHttpError(403, 50001, 'Missing Access');
    return id;
  };
  return [
    route('GET', '/applications/:app/guilds/:guild/commands', 'bot', ({ params }) => {
      app(params.app);
      return ok(s.guildCommands.get(guild(params.guild)) ?? []);
    }),
    route('PUT', '/applications/:app/guilds/:guild/commands', 'bot', ({ params, body }) => {
      app(params.app);
      const guildId = guild(params.guild);
      const stored = overwriteCommands(s, body.raw, s.guildCommands.get(guildId) ?? [], guildId);
      if (!Array.isArray(stored)) throw invalidForm(stored);
      s.guildCommands.set(guildId, stored);
      ctx.log(`commands: ${stored.length} guild command(s) registered in ${guildId}`);
      return ok(stored);
    }),
    route('GET', '/applications/:app/commands', 'bot', ({ params }) => {
      app(params.app);
      return ok(s.globalCommands);
    }),
    route('PUT', '/applications/:app/commands', 'bot', ({ params, body }) => {
      app(params.app);
      const stored = overwriteCommands(s, body.raw, s.globalCommands, null);
      if (!Array.isArray(stored)) throw invalidForm(stored);
      s.globalCommands = stored;
      s.globalCommandWrites += 1;
      ctx.log(`commands: ${stored.length} GLOBAL command(s) registered`);
      return ok(stored);
    }),
  ];
}
