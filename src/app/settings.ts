import type { Actor } from '../domain/model.js';
import type { SettingsRepository } from './ports/repositories.js';

export const MAINTENANCE_KEY = 'maintenance';

export interface MaintenanceState {
  readonly on: boolean;
  readonly reason: string;
  readonly by: Actor;
  readonly at: string;
}

export async function maintenanceState(settings: SettingsRepository): Promise<MaintenanceState | undefined> {
  const state = await settings.get<MaintenanceState>(MAINTENANCE_KEY);
  return state?.on ? state : undefined;
}

export async function isMaintenanceOn(settings: SettingsRepository): Promise<boolean> {
  return (await maintenanceState(settings)) !== undefined;
}
