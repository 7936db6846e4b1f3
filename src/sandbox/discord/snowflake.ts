const DISCORD_EPOCH = 1_420_070_400_000n;

/** Snowflake for a fixed moment, used for seed objects so their ids are the same on every run. */
export function snowflakeAt(epochMs: number, increment = 0): string {
  return (((BigInt(epochMs) - DISCORD_EPOCH) << 22n) | BigInt(increment & 0xfff)).toString();
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** Strictly increasing snowflakes (as Discord's are within one worker), derived from the wall clock. */
export class SnowflakeGenerator {
  #last = 0n;

  next(now = Date.now()): string {
    let id = (BigInt(now) - DISCORD_EPOCH) << 22n;
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }
}
