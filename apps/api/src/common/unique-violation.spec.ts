import { QueryFailedError } from 'typeorm';
import { DomainError } from '@berth/domain';
import { onUniqueViolation, violatedConstraint } from './unique-violation';

const violation = (constraint: string) =>
  new QueryFailedError('INSERT ...', [], Object.assign(new Error('duplicate key'), { constraint }));

describe('onUniqueViolation', () => {
  const taken = () => new DomainError('container/name_taken', 'a container named web already exists');

  it('passes results and unrelated errors through', async () => {
    await expect(onUniqueViolation('c_uq', taken, () => Promise.resolve(7))).resolves.toBe(7);
    await expect(
      onUniqueViolation('c_uq', taken, () => Promise.reject(violation('other_uq'))),
    ).rejects.toBeInstanceOf(QueryFailedError);
    await expect(onUniqueViolation('c_uq', taken, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
  });

  it('turns the named constraint into the coded error', async () => {
    await expect(
      onUniqueViolation('c_uq', taken, () => Promise.reject(violation('c_uq'))),
    ).rejects.toMatchObject({
      code: 'container/name_taken',
    });
    expect(violatedConstraint(violation('x_uq'))).toBe('x_uq');
    expect(violatedConstraint(new Error('x'))).toBeUndefined();
  });
});
