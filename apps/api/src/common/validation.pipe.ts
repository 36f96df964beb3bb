import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError } from '@berth/domain';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith('property ')
        ? `${path}: unknown field`
        : m.startsWith(e.property)
          ? `${path}${m.slice(e.property.length)}`
          : `${path}: ${m}`,
    );
    return [...own, ...describe(e.children ?? [], path)];
  });
}

/** Rejects unknown fields and wrong types with `request/invalid`, naming each bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const problems = describe(errors);
      return new DomainError('request/invalid', `invalid request: ${problems.join('; ')}`, { problems });
    },
  });
}
