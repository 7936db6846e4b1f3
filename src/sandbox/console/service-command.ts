import type { Degradation, ServiceTraffic } from '../traffic.js';

/** `service degrade <service> <env> [errors:5%] [latency:3s]` and `service heal <service> <env>`. */
export type ServiceCommand =
  | {
      readonly kind: 'service-degrade';
      readonly service: string;
      readonly env: string;
      readonly how: Partial<Degradation>;
    }
  | { readonly kind: 'service-heal'; readonly service: string; readonly env: string };

export const SERVICE_HELP = `  service degrade <service> <env> [errors:5%] [latency:3s]
                               its synthetic traffic answers 5xx / slowly (rollout analysis sees it)
  service heal <service> <env>   back to healthy traffic`;

const USAGE =
  'usage: service degrade <service> <env> [errors:5%] [latency:3s] | service heal <service> <env>';

function percent(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const value = match ? Number(match[1]) / 100 : undefined;
  return value !== undefined && value <= 1 ? value : undefined;
}

function seconds(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  return match[2] === 'ms' ? value / 1000 : value;
}

/** Parses the words after `service`; a string is the problem, for people. */
export function parseServiceCommand(words: readonly string[]): ServiceCommand | string {
  const [action, service, env, ...rest] = words;
  if (!service || !env) return USAGE;
  if (action === 'heal') return rest.length === 0 ? { kind: 'service-heal', service, env } : USAGE;
  if (action !== 'degrade') return USAGE;
  const how: { errors?: number; latencySeconds?: number } = {};
  for (const word of rest) {
    const [name, value = ''] = word.split(':', 2);
    const errors = name === 'errors' ? percent(value) : undefined;
    const latency = name === 'latency' ? seconds(value) : undefined;
    if (errors !== undefined) how.errors = errors;
    else if (latency !== undefined) how.latencySeconds = latency;
    else return `"${word}": use errors:<0–100>% or latency:<n>s`;
  }
  if (how.errors === undefined && how.latencySeconds === undefined) return USAGE;
  return { kind: 'service-degrade', service, env, how };
}

/** Applies it to the services' traffic; returns the line to print. Throws for an unknown service+env. */
export function runServiceCommand(traffic: ServiceTraffic, command: ServiceCommand): string {
  if (command.kind === 'service-heal') {
    traffic.heal(command.service, command.env);
    return `service: ${command.service} ${command.env} is healthy again`;
  }
  const now = traffic.degrade(command.service, command.env, command.how);
  return `service: ${command.service} ${command.env} now answers ${Math.round(now.errors * 1000) / 10} % 5xx, ${now.latencySeconds} s latency`;
}
