/**
 * Ways for a test to make one call of a port answer otherwise, or to let "another instance" act at an exact
 * moment (a race made deterministic). They change only the object given, which each test builds itself.
 */

type Method = (...args: never[]) => unknown;
export type MethodKey<T> = { [K in keyof T]: T[K] extends Method ? K : never }[keyof T];

/**
 * Replaces `method` of `target` (a class instance keeps its other methods) with what `make` builds from the
 * real one, until the returned function is called.
 */
export function replaceMethod<T extends object, K extends MethodKey<T>>(
  target: T,
  method: K,
  make: (real: T[K]) => T[K],
): () => void {
  const own = Object.prototype.hasOwnProperty.call(target, method);
  const previous = target[method];
  const real = (previous as Method).bind(target) as T[K];
  target[method] = make(real);
  return () => {
    if (own) target[method] = previous;
    else Reflect.deleteProperty(target, method);
  };
}

/**
 * Runs `meanwhile` once, just before the next call of `method` goes through: what another instance or person
 * did while this code was between two steps. The method is back to itself before `meanwhile` runs, so
 * `meanwhile` may use it.
 */
export function beforeNextCall<T extends object>(
  target: T,
  method: MethodKey<T>,
  meanwhile: () => Promise<unknown>,
): void {
  const restore = replaceMethod(target, method, (real) => {
    const once = async (...args: never[]) => {
      restore();
      await meanwhile();
      return (real as Method)(...args);
    };
    return once as T[typeof method];
  });
}
