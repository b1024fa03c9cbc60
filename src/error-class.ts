/**
 * The one idiom of the package's errors (the core's, the validation errors, the outbox's):
 *
 * - every error has a stable snake_case `code`, declared on its class with a literal type;
 * - every class registers itself once, in a static block: `static { errorClass(MyError, 'MyError'); }`.
 *
 * Registration sets `name` on the prototype and on the class (class names do not survive bundling:
 * `constructor.name`, which loggers report as the type, would say `_NetworkError`) and marks the
 * prototype with a brand registered globally (`Symbol.for`). `instanceof` checks that brand: an error
 * thrown by the CommonJS build is `instanceof` the ESM build's class, and the other way round, as are
 * the copies bundled into each entry. A subclass inherits its parents' brands.
 */

/** Any class whose instances are errors. */
type ErrorClass = abstract new (...args: never[]) => Error;

/** Registers `ErrorClass` under `name`: its `name`, its brand, and an `instanceof` that checks the brand. */
export function errorClass(ErrorClass: ErrorClass, name: string): void {
  const brand = brandOf(name);
  Object.defineProperty(ErrorClass.prototype, brand, { value: true });
  Object.defineProperty(ErrorClass.prototype, 'name', { value: name, writable: true, configurable: true });
  Object.defineProperty(ErrorClass, 'name', { value: name });
  Object.defineProperty(ErrorClass, Symbol.hasInstance, {
    value(this: ErrorClass, value: unknown): boolean {
      // A subclass someone else wrote, not registered, inherits this: it gets the ordinary instanceof.
      if (this !== ErrorClass) return Function.prototype[Symbol.hasInstance].call(this, value);
      return hasBrand(value, brand);
    },
  });
}

/** True when `value` is an instance of the class registered as `name`, from any build of the package. */
export function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** The brand of the class registered as `name`. */
export function brandOf(name: string): symbol {
  return Symbol.for(`digilocker-revocation/${name}`);
}
