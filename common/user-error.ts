/**
 * Expected business outcomes: returned in a payload's `userErrors` (never thrown), each with a
 * code for programs, the input field at fault and a message for people. Each subgraph has its
 * own code enum; the shape and the factory are shared.
 */
export interface UserError<C extends string> {
  code: C;
  /** Path to the argument or input field at fault, for example ["input", "lines", "0"]. */
  field: string[] | null;
  message: string;
}

/** A user error; list indexes in `field` become strings, as GraphQL paths show them. */
export function userError<C extends string>(
  code: C,
  message: string,
  field: readonly (string | number)[] | null = null,
): UserError<C> {
  return { code, field: field ? field.map(String) : null, message };
}
