import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';
import type { LeaseRepository, SettingsRepository } from './ports/repositories.js';

export const GATEWAY_LEASE = 'discord-gateway';
export const HANDOVER_KEY = 'gateway:handover';

/** The part of the Discord gateway leadership needs: connect when leading, disconnect when not. */
export interface GatewayControl {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

interface Handover {
  readonly wantedBy: string;
  /** When the instance asking started: only an instance newer than the leader's term may ask. */
  readonly startedAt: string;
  /** When it asked: the request stands for one lease time, then an abandoned one is ignored. */
  readonly requestedAt: string;
}

export type Role = 'leader' | 'standby' | 'starting';

/**
 * Exactly one instance holds the Discord gateway (§9). Every instance runs `tick()` every few seconds:
 * the holder renews the lease; a standby takes the lease once it has expired (the holder died), so it takes
 * over within the lease time. Blue/green: an instance started after the leader took office asks for a
 * handover, and the leader, at its next tick, disconnects and frees the lease for it; the old stands down.
 */
export class GatewayLeadership {
  private current: Role = 'starting';
  private busy = false;
  private stopped = false;
  private askedHandover = false;
  private lastRenewedAt = 0;

  constructor(
    private readonly options: {
      instanceId: string;
      startedAt: Date;
      leases: LeaseRepository;
      settings: SettingsRepository;
      gateway: GatewayControl;
      clock: Clock;
      log: Logger;
      ttlMs: number;
      onRoleChange?: (role: Role) => void;
    },
  ) {}

  get role(): Role {
    return this.current;
  }

  private setRole(role: Role): void {
    if (role === this.current) return;
    this.current = role;
    this.options.log.info({ role, instanceId: this.options.instanceId }, 'gateway role');
    this.options.onRoleChange?.(role);
  }

  /** One step of the protocol; safe to call often (overlapping calls are skipped). */
  async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      await (this.current === 'leader' ? this.renew() : this.tryToLead());
    } catch (error) {
      this.options.log.warn({ err: error }, 'gateway leadership tick failed');
      // Fencing: a leader that cannot renew must not outlive its lease, or two instances would hold the gateway.
      const sinceRenewal = this.options.clock.now().getTime() - this.lastRenewedAt;
      if (this.current === 'leader' && sinceRenewal > this.options.ttlMs * 0.8) {
        this.options.log.error('cannot renew the gateway lease; disconnecting before it expires');
        await this.options.gateway.disconnect().catch(() => undefined);
        this.setRole('standby');
      }
    } finally {
      this.busy = false;
    }
  }

  private async renew(): Promise<void> {
    const { leases, settings, instanceId, ttlMs, clock } = this.options;
    const handover = await settings.get<Handover>(HANDOVER_KEY);
    if (handover && handover.wantedBy !== instanceId) {
      const lease = await leases.get(GATEWAY_LEASE);
      if (lease && new Date(handover.startedAt).getTime() > lease.acquiredAt.getTime()) {
        this.options.log.info({ to: handover.wantedBy }, 'handing the gateway over to a newer instance');
        await this.standDown();
        return;
      }
    }
    const lease = await leases.acquire(GATEWAY_LEASE, instanceId, ttlMs, clock.now());
    if (lease) this.lastRenewedAt = clock.now().getTime();
    if (!lease) {
      this.options.log.warn('gateway lease lost; standing down');
      await this.options.gateway.disconnect();
      this.setRole('standby');
    }
  }

  private async tryToLead(): Promise<void> {
    const { leases, settings, instanceId, ttlMs, clock, startedAt } = this.options;
    // A newer instance asked for the gateway: leave the freed lease to it rather than taking it back.
    const pending = await settings.get<Handover>(HANDOVER_KEY);
    if (
      pending &&
      pending.wantedBy !== instanceId &&
      clock.now().getTime() - new Date(pending.requestedAt).getTime() < ttlMs
    ) {
      this.setRole('standby');
      return;
    }
    const lease = await leases.acquire(GATEWAY_LEASE, instanceId, ttlMs, clock.now());
    if (lease) {
      this.lastRenewedAt = clock.now().getTime();
      await this.options.gateway.connect();
      this.setRole('leader');
      const handover = await settings.get<Handover>(HANDOVER_KEY);
      if (handover?.wantedBy === instanceId) await settings.set(HANDOVER_KEY, null, clock.now());
      this.askedHandover = false;
      return;
    }
    this.setRole('standby');
    const holder = await leases.get(GATEWAY_LEASE);
    if (!this.askedHandover && holder && startedAt.getTime() > holder.acquiredAt.getTime()) {
      const handover: Handover = {
        wantedBy: instanceId,
        startedAt: startedAt.toISOString(),
        requestedAt: clock.now().toISOString(),
      };
      await settings.set(HANDOVER_KEY, handover, clock.now());
      this.askedHandover = true;
      this.options.log.info({ holder: holder.holder }, 'asked the leader for a handover');
    }
  }

  private async standDown(): Promise<void> {
    await this.options.gateway.disconnect();
    await this.options.leases.release(GATEWAY_LEASE, this.options.instanceId);
    this.setRole('standby');
  }

  /** Graceful stop: disconnect and free the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (let i = 0; i < 50 && this.busy; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    if (this.current === 'leader') await this.standDown();
  }
}
