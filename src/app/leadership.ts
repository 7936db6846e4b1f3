import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';
import type { LeaseRepository, SettingsRepository } from './ports/repositories.js';

export const GATEWAY_LEASE = 'discord-gateway';
export const HANDOVER_KEY = 'gateway:handover';
/** How often `watch()` looks for a freed lease or a handover request: bounds the change-over gap. */
export const LEASE_WATCH_MS = 150;

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

/** setTimeout/clearTimeout, injectable so tests can move time by hand. */
export interface LeadershipTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: LeadershipTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * Exactly one instance holds the Discord gateway (§9). Every instance runs `tick()` every few seconds:
 * the holder renews the lease; a standby takes the lease once it has expired (the holder died), so it takes
 * over within the lease time. Blue/green: an instance started after the leader took office asks for a
 * handover, and the leader, at its next tick, disconnects and frees the lease for it; the old stands down.
 *
 * Fencing: the leader closes its gateway session `fenceAfterMs` after its last successful renewal unless
 * another one succeeds first. A timer decides it, not the renewal call, so a call that hangs on a stalled
 * MongoDB cannot keep the leader connected past its lease; a fence that falls due while the gateway is still
 * connecting takes effect when the connect returns. Once MongoDB answers again, the next tick takes
 * the lease back if it is free or still ours.
 */
export class GatewayLeadership {
  private current: Role = 'starting';
  private busy = false;
  private tickStartedAt = 0;
  private stopped = false;
  private askedHandover = false;
  private lastRenewedAt = 0;
  /** Bumped when a tick is given up on: its late answers must not change the role any more. */
  private term = 0;
  private fenceTimer: unknown;
  /** A connect is under way; the fence falling due meanwhile is kept for when it returns. */
  private connecting = false;
  private fencedWhileConnecting = false;
  private watchTimer: unknown;
  /** When the lease this instance holds was taken: a handover from an instance newer than it is due. */
  private heldSince = 0;
  private readonly timers: LeadershipTimers;
  private readonly fenceAfterMs: number;

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
      /** How long after the last successful renewal the leader fences itself (default 80 % of the lease). */
      fenceAfterMs?: number;
      timers?: LeadershipTimers;
      onRoleChange?: (role: Role) => void;
    },
  ) {
    this.timers = options.timers ?? realTimers;
    this.fenceAfterMs = options.fenceAfterMs ?? Math.floor(options.ttlMs * 0.8);
  }

  get role(): Role {
    return this.current;
  }

  private setRole(role: Role): void {
    if (role === this.current) return;
    this.current = role;
    this.options.log.info({ role, instanceId: this.options.instanceId }, 'gateway role');
    this.options.onRoleChange?.(role);
  }

  /**
   * One step of the protocol; safe to call often (overlapping calls are skipped). A tick still waiting on
   * MongoDB after a whole lease time is given up on, so a hung call cannot stop the protocol for good.
   */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const now = this.options.clock.now().getTime();
    if (this.busy && now - this.tickStartedAt < this.options.ttlMs) return;
    if (this.busy) this.term += 1;
    const term = this.term;
    this.busy = true;
    this.tickStartedAt = now;
    try {
      await (this.current === 'leader' ? this.renew(term) : this.tryToLead(term));
    } catch (error) {
      this.options.log.warn({ err: error }, 'gateway leadership tick failed');
    } finally {
      if (term === this.term) this.busy = false;
    }
  }

  /**
   * Defect 12: between ticks, looks every `everyMs` at what would make a tick act at once: as standby, a
   * lease released (the old leader closed its session and freed it) or expired; as leader, a handover
   * asked by a newer instance. One small read per look; a tick runs only when there is something to do, so
   * the change-over waits for a look (a fraction of a second), not for the next renewal tick.
   */
  watch(everyMs: number): void {
    const schedule = (): void => {
      this.watchTimer = this.timers.setTimeout(() => {
        void this.look()
          .catch((error: unknown) => this.options.log.debug({ err: error }, 'gateway lease look failed'))
          .finally(() => {
            if (!this.stopped) schedule();
          });
      }, everyMs);
    };
    this.timers.clearTimeout(this.watchTimer);
    if (!this.stopped) schedule();
  }

  private async look(): Promise<void> {
    if (this.stopped || this.busy) return;
    const { leases, settings, instanceId, clock } = this.options;
    if (this.current === 'leader') {
      const handover = await settings.get<Handover>(HANDOVER_KEY);
      if (
        handover &&
        handover.wantedBy !== instanceId &&
        new Date(handover.startedAt).getTime() > this.heldSince
      )
        await this.tick();
      return;
    }
    const lease = await leases.get(GATEWAY_LEASE);
    if (!lease || lease.expiresAt.getTime() <= clock.now().getTime()) await this.tick();
  }

  /** Starts the fencing countdown from the renewal that began at `renewedAt`. */
  private renewed(renewedAt: Date, lease: { acquiredAt: Date }): void {
    this.heldSince = lease.acquiredAt.getTime();
    this.lastRenewedAt = renewedAt.getTime();
    this.timers.clearTimeout(this.fenceTimer);
    const left = this.lastRenewedAt + this.fenceAfterMs - this.options.clock.now().getTime();
    this.fenceTimer = this.timers.setTimeout(
      () => {
        void this.fence();
      },
      Math.max(0, left),
    );
  }

  private async fence(): Promise<void> {
    if (this.stopped) return;
    if (this.current !== 'leader') {
      // Discord is slow to answer the connect: the session it opens must not outlive the lease either.
      if (this.connecting) this.fencedWhileConnecting = true;
      return;
    }
    const sinceRenewal = this.options.clock.now().getTime() - this.lastRenewedAt;
    this.options.log.error(
      { sinceRenewalMs: sinceRenewal, leaseTtlMs: this.options.ttlMs },
      'cannot renew the gateway lease; disconnecting before it expires',
    );
    this.term += 1; // the renewal still pending, if any, no longer counts
    this.busy = false;
    this.setRole('standby');
    await this.options.gateway.disconnect().catch((error: unknown) => {
      this.options.log.warn({ err: error }, 'gateway disconnect failed');
    });
  }

  private async renew(term: number): Promise<void> {
    const { leases, settings, instanceId, ttlMs, clock } = this.options;
    const handover = await settings.get<Handover>(HANDOVER_KEY);
    if (term !== this.term) return;
    if (handover && handover.wantedBy !== instanceId) {
      const lease = await leases.get(GATEWAY_LEASE);
      if (term !== this.term) return;
      if (lease && new Date(handover.startedAt).getTime() > lease.acquiredAt.getTime()) {
        this.options.log.info({ to: handover.wantedBy }, 'handing the gateway over to a newer instance');
        await this.standDown();
        return;
      }
    }
    // The lease runs from the moment the renewal was asked for, not from when its answer arrived.
    const at = clock.now();
    const lease = await leases.acquire(GATEWAY_LEASE, instanceId, ttlMs, at);
    if (term !== this.term) return;
    if (lease) {
      this.renewed(at, lease);
      return;
    }
    this.options.log.warn('gateway lease lost; standing down');
    this.timers.clearTimeout(this.fenceTimer);
    await this.options.gateway.disconnect();
    this.setRole('standby');
  }

  private async tryToLead(term: number): Promise<void> {
    const { leases, settings, instanceId, ttlMs, clock, startedAt } = this.options;
    // A newer instance asked for the gateway: leave the freed lease to it rather than taking it back.
    const pending = await settings.get<Handover>(HANDOVER_KEY);
    if (term !== this.term) return;
    if (
      pending &&
      pending.wantedBy !== instanceId &&
      clock.now().getTime() - new Date(pending.requestedAt).getTime() < ttlMs
    ) {
      this.setRole('standby');
      return;
    }
    const at = clock.now();
    const lease = await leases.acquire(GATEWAY_LEASE, instanceId, ttlMs, at);
    if (term !== this.term) return;
    if (lease) {
      this.renewed(at, lease);
      this.fencedWhileConnecting = false;
      this.connecting = true;
      try {
        await this.options.gateway.connect();
      } finally {
        this.connecting = false;
      }
      if (this.fenceFellDueWhileConnecting()) {
        // The lease is no longer one to lead on: the session goes at once, and a later tick takes the lease
        // back if it is still free or ours.
        this.options.log.error(
          { sinceRenewalMs: clock.now().getTime() - this.lastRenewedAt, leaseTtlMs: ttlMs },
          'the gateway connected after its lease could no longer be vouched for; disconnecting',
        );
        this.timers.clearTimeout(this.fenceTimer);
        await this.options.gateway.disconnect();
        this.setRole('standby');
        return;
      }
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

  private fenceFellDueWhileConnecting(): boolean {
    const due = this.fencedWhileConnecting;
    this.fencedWhileConnecting = false;
    return due;
  }

  private async standDown(): Promise<void> {
    this.timers.clearTimeout(this.fenceTimer);
    await this.options.gateway.disconnect();
    await this.options.leases.release(GATEWAY_LEASE, this.options.instanceId);
    this.setRole('standby');
  }

  /** Graceful stop: disconnect and free the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clearTimeout(this.fenceTimer);
    this.timers.clearTimeout(this.watchTimer);
    for (let i = 0; i < 50 && this.busy; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    if (this.current === 'leader') await this.standDown();
  }
}
