/**
 * The rows an UPDATE or DELETE ... RETURNING gave back through `EntityManager.query`. TypeORM answers
 * those two commands with `[rows, rowCount]` (every other command with the rows alone), so reading the
 * answer as the rows would see two "rows" whatever happened. The one place that knows the shape.
 */
export function updatedRows<T>(answer: unknown): T[] {
  if (
    Array.isArray(answer) &&
    answer.length === 2 &&
    Array.isArray(answer[0]) &&
    typeof answer[1] === 'number'
  ) {
    return answer[0] as T[];
  }
  throw new Error('expected the [rows, rowCount] answer of an UPDATE or DELETE ... RETURNING');
}
