import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/**
 * A flat object of string values whose keys match `keyPattern`, with at most `maxEntries` entries and
 * values up to `maxValueLength` characters (env vars, labels).
 */
export function IsStringRecord(
  opts: { keyPattern: RegExp; maxEntries: number; maxValueLength: number; what: string },
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isStringRecord',
      target: target.constructor,
      propertyName: String(propertyName),
      options: validationOptions ?? {},
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          return (
            entries.length <= opts.maxEntries &&
            entries.every(
              ([k, v]) => opts.keyPattern.test(k) && typeof v === 'string' && v.length <= opts.maxValueLength,
            )
          );
        },
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be an object of ${opts.what}: keys matching ${String(opts.keyPattern)}, string values of at most ${opts.maxValueLength} characters, at most ${opts.maxEntries} entries`;
        },
      },
    });
  };
}
