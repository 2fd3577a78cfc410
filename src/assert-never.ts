/**
 * The last branch of an exhaustive switch. The compiler proves that no member of the union is
 * left for it, so adding a member (a new LogicalType, say) fails to compile at every switch that
 * does not handle it, instead of falling into a default branch that treats it as something else.
 * It runs only when a value escaped the type system (a cast, untyped input), and then throws.
 */
export function assertNever(value: never, what: string): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
