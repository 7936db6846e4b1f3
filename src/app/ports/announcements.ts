import type { TransitionKind } from '../../domain/freeze-windows.js';
import type { Actor, Deploy, Freeze, Lock } from '../../domain/model.js';

/**
 * What the bot tells the whole ops channel about freezes, maintenance and overrides (§7), as data: the
 * Discord adapter renders it (render/freeze.ts) and posts it with no mentions.
 */
export type OpsAnnouncement =
  | {
      readonly kind: 'freeze-transition';
      readonly transition: TransitionKind;
      readonly source: 'window' | 'freeze';
      /** The window's name, or the one-off freeze's reason. */
      readonly name: string;
      readonly freezeId?: string;
      readonly envs: readonly string[];
      readonly startsAt: Date;
      readonly endsAt: Date;
      /** Pending approvals voided by this transition. */
      readonly voided: number;
      /** Queued requests offered again (at the end). */
      readonly offered: number;
    }
  | { readonly kind: 'freeze-scheduled'; readonly freeze: Freeze }
  | { readonly kind: 'freeze-lifted'; readonly freeze: Freeze; readonly by: Actor; readonly offered: number }
  | {
      readonly kind: 'maintenance';
      readonly on: boolean;
      readonly reason: string;
      readonly by: Actor;
      readonly voided: number;
      readonly offered: number;
    }
  | { readonly kind: 'override'; readonly deploy: Deploy; readonly gate: string }
  // locks. `by` is absent when the lock expired by itself.
  | { readonly kind: 'locked'; readonly lock: Lock }
  | {
      readonly kind: 'unlocked';
      readonly lock: Lock;
      readonly by: Actor | undefined;
      readonly offered: number;
    };
